"""SQL for the model's stored texts and daily token count (``storage.models.llm``)."""

from __future__ import annotations

from sqlalchemy import select

from storage import Database
from storage.db import session_insert
from storage.models import ModelText, ModelUsage
from storage.types import utcnow

REFUSED = ""  # a stored text the check refused: it would be refused again


class SqlModelTexts:
    """Texts by key, and tokens by UTC day, shared by every replica through the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get_many(self, keys: list[str]) -> dict[str, str]:
        """The stored texts among ``keys`` (one query; absent keys were never written)."""
        if not keys:
            return {}
        with self.db.read() as session:
            rows = session.execute(select(ModelText.key, ModelText.text).where(ModelText.key.in_(keys)))
            return {key: text for key, text in rows}

    def put(self, key: str, kind: str, model: str, text: str) -> None:
        """Store a text; another replica having stored it first is fine (same input, same key)."""
        with self.db.session() as session:
            insert = session_insert(session, ModelText).values(
                key=key, kind=kind, model=model[:200], text=text, created_at=utcnow()
            )
            session.execute(insert.on_conflict_do_nothing(index_elements=["key"]))

    def used(self, day: str) -> int:
        """Tokens used on ``day`` (YYYY-MM-DD, UTC)."""
        with self.db.read() as session:
            return session.scalar(select(ModelUsage.tokens).where(ModelUsage.day == day)) or 0

    def add(self, day: str, tokens: int) -> None:
        """Count ``tokens`` against ``day``: one upsert that adds, so replicas never lose counts."""
        if tokens <= 0:
            return
        with self.db.session() as session:
            insert = session_insert(session, ModelUsage).values(day=day, tokens=tokens)
            session.execute(
                insert.on_conflict_do_update(
                    index_elements=["day"], set_={"tokens": ModelUsage.tokens + insert.excluded.tokens}
                )
            )
