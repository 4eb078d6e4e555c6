"""Migration 0007_items_dated (items.dated) on both backends: from empty, and from a populated database
whose items keep their rows and count as dated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from storage import Database


@pytest.fixture
def old_db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade("0006_knowledge_gaps")
    yield database
    database.dispose()


def test_upgrade_from_empty_reaches_head(old_db: Database) -> None:
    command.downgrade(old_db.alembic_config(), "base")
    old_db.upgrade()
    assert old_db.check()["ok"] is True


def test_upgrade_from_populated_keeps_items_as_dated(old_db: Database) -> None:
    with old_db.session() as s:
        s.execute(
            text(
                "INSERT INTO feeds (url, status, created_at, created_by, error_count, primed) VALUES "
                "('https://a.example/f', 'active', '2026-11-01 00:00:00+00:00', 'cli:x', 0, true)"
            )
        )
        feed_id = s.execute(text("SELECT id FROM feeds")).scalar_one()
        s.execute(
            text(
                "INSERT INTO items (feed_id, entry_key, title, summary, categories, published_at, "
                "first_seen_at, updated_at, content_hash, is_backlog) VALUES (:f, 'k', 't', '', '[]', "
                ":t, :t, :t, '', true)"
            ),
            {"f": feed_id, "t": "2026-11-01 00:00:00+00:00"},
        )
    old_db.upgrade()
    with old_db.read() as s:
        assert s.execute(text("SELECT title, dated FROM items")).one() == ("t", True)
    command.downgrade(old_db.alembic_config(), "0006_knowledge_gaps")
    old_db.upgrade()
    assert old_db.check()["ok"] is True
