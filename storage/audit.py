"""The admin audit log repository."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry

if TYPE_CHECKING:
    from storage.db import Database


@dataclass(frozen=True)
class Actor:
    """Who did something: a Slack user ID or a CLI/system name, and through which door."""

    id: str
    source: str  # "slack", "cli" or "system"

    @classmethod
    def cli(cls) -> Actor:
        import getpass

        try:
            name = getpass.getuser()
        except Exception:  # getuser raises various errors when no user name is known
            name = "unknown"
        return cls(id=f"cli:{name}", source="cli")

    @classmethod
    def slack(cls, user_id: str) -> Actor:
        return cls(id=user_id, source="slack")

    @classmethod
    def system(cls) -> Actor:
        return cls(id="system", source="system")


# The audit_log columns' sizes (storage/models/audit.py); detail strings get a cap of their own.
ACTOR_MAX, SOURCE_MAX, ACTION_MAX, TARGET_MAX = 255, 32, 64, 2048
DETAIL_TEXT_MAX = 2000


def record(session: Session, actor: Actor, action: str, target: str = "", **detail: Any) -> AuditEntry:
    """Add an audit entry inside the caller's transaction (so it lands only if the change does)."""
    entry = AuditEntry(
        actor=_cut(actor.id, ACTOR_MAX),
        source=_cut(actor.source, SOURCE_MAX),
        action=_cut(action, ACTION_MAX),
        target=_cut(target, TARGET_MAX),
        detail={key: _cut(v, DETAIL_TEXT_MAX) if isinstance(v, str) else v for key, v in detail.items()},
    )
    session.add(entry)
    return entry


def _cut(text: str, limit: int) -> str:
    """``text`` within its column: a 100 kB button value must not fail the refusal it records
    (PostgreSQL refuses over-long strings) nor fill the log."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    source: str
    action: str
    target: str
    detail: dict[str, Any]


def recent_entries(db: Database, limit: int = 8) -> list[AuditView]:
    """The newest ``limit`` audit entries, newest first, in a read transaction of their own."""
    with db.read() as session:
        return recent(session, limit=limit)


def recent(session: Session, limit: int = 50, *, action: str | None = None) -> list[AuditView]:
    """The newest audit entries first (only those of ``action`` when given)."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditView(r.at, r.actor, r.source, r.action, r.target, dict(r.detail)) for r in rows]


def stored_actions(session: Session) -> set[str]:
    """Every action the log holds at least once."""
    return set(session.scalars(select(AuditEntry.action).distinct()))
