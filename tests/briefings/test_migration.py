"""Migration 0005_briefings on both backends: from empty, and from a populated 0004 database in
which an earlier version had paused (or resumed) the rows of failed one-off sends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from storage import Database

ROWS = [  # (channel, status, schedule): what an older version left behind
    ("CPAUSED", "paused", "(one-off sends only)"),
    ("CYEARLY", "active", "(one-off sends only)"),
    ("CREAL", "paused", "weekdays 09:00"),
]


@pytest.fixture
def old_db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade("0004")
    yield database
    database.dispose()


def test_upgrade_from_empty_reaches_head(old_db: Database) -> None:
    command.downgrade(old_db.alembic_config(), "base")
    old_db.upgrade()
    assert old_db.check()["ok"] is True


def test_upgrade_from_populated_keeps_rows_and_hides_one_off_sends_again(old_db: Database) -> None:
    with old_db.session() as s:
        for channel, status, schedule in ROWS:
            s.execute(
                text(
                    "INSERT INTO subscriptions (channel_id, department, schedule, cron, timezone, status, "
                    "paused_reason, quiet_mode, top_n, cert_rotation, created_by, created_at) VALUES "
                    "(:c, 'legal', :sch, '0 0 1 1 *', 'UTC', :st, 'Slack answered not_in_channel', 'post', "
                    "5, 0, 'cli:x', '2026-11-01 00:00:00+00:00')"
                ),
                {"c": channel, "sch": schedule, "st": status},
            )
    old_db.upgrade()
    with old_db.read() as s:
        rows = s.execute(
            text(
                "SELECT channel_id, status, paused_reason, last_error, alerted_error FROM subscriptions "
                "ORDER BY channel_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("CPAUSED", "manual", None, None, None),
        ("CREAL", "paused", "Slack answered not_in_channel", None, None),
        ("CYEARLY", "manual", None, None, None),
    ]
    command.downgrade(old_db.alembic_config(), "0004")
    old_db.upgrade()
    assert old_db.check()["ok"] is True
