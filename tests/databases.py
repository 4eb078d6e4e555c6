"""A throwaway PostgreSQL schema, shared by the test fixtures and the benchmarks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError


@contextmanager
def postgres_schema(base_url: str, *, prefix: str = "t") -> Iterator[str]:
    """A URL whose connections live in a new, empty schema on ``base_url``; dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(base_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        _drop(admin, schema)
        admin.dispose()


def _drop(admin: Engine, schema: str, attempts: int = 5) -> None:
    # Work a test left running after the ack (a Home republish, a slow reply) may still hold
    # locks in the schema; PostgreSQL then ends the DROP as a deadlock: try again shortly.
    for attempt in range(attempts):
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
