"""Read-only figures App Home shows that no service exposes: recent items per feed, newest audit rows.

Each opens one short read transaction; nothing here writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.audit import AuditView, recent
from storage.db import Database
from storage.models import Item


def items_per_feed_since(db: Database, since: datetime) -> dict[int, int]:
    """How many items each feed brought in since ``since`` (first seen, backlog included)."""
    with db.read() as session:
        rows = session.execute(
            select(Item.feed_id, func.count()).where(Item.first_seen_at >= since).group_by(Item.feed_id)
        ).all()
    return {int(feed_id): int(count) for feed_id, count in rows}


def recent_audit(db: Database, limit: int = 8) -> list[AuditView]:
    """The newest ``limit`` audit entries, newest first."""
    with db.read() as session:
        return recent(session, limit=limit)
