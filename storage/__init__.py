"""Persistence: SQLAlchemy 2.0 models, the engine/session wrapper and Alembic migrations."""

from storage.db import Database, StorageError

__all__ = ["Database", "StorageError"]
