"""``DeliveriesStore`` in SQL (SQLAlchemy 2.0, SQLite and PostgreSQL alike): the only place that
touches ``deliveries`` and ``delivered_stories`` for delivery (see ``store`` for the rules)."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from briefings.delivery.store import DONE, Claim, Finished, SlotRow
from briefings.slots.slot import Slot
from storage import Database
from storage.models import DeliveredStory, Delivery, Story, Subscription


def worker_name() -> str:
    """Identifies this process in claims (host, pid and a random suffix)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SqlDeliveries:
    """``DeliveriesStore`` on the application's database."""

    def __init__(self, db: Database, *, worker: str | None = None) -> None:
        self.db = db
        self.worker = worker or worker_name()

    def _mine(self, claim: Claim) -> Any:
        return and_(
            Delivery.id == claim.delivery_id,
            Delivery.status == "claimed",
            Delivery.claimed_by == self.worker,
            Delivery.attempts == claim.attempts,
        )

    def claim(self, slot: Slot, *, now: datetime, lease: timedelta, started: float) -> Claim | None:
        with self.db.session() as session:
            claimed = session.execute(
                self.db.insert(Delivery)
                .values(
                    subscription_id=slot.subscription_id,
                    scheduled_for=slot.scheduled_for,
                    status="claimed",
                    claimed_by=self.worker,
                    claimed_at=now,
                    attempts=1,
                    channel_id=slot.channel_id,
                )
                .on_conflict_do_nothing(index_elements=["subscription_id", "scheduled_for"])
                .returning(Delivery.id)
            ).scalar_one_or_none()
            if claimed is not None:
                return Claim(claimed, now, started=started)
            row = session.execute(
                select(Delivery.id, Delivery.status, Delivery.claimed_at, Delivery.attempts).where(
                    Delivery.subscription_id == slot.subscription_id,
                    Delivery.scheduled_for == slot.scheduled_for,
                )
            ).one_or_none()
            if row is None:
                return None
            won = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == row.id,
                    Delivery.status == row.status,
                    Delivery.attempts == row.attempts,
                    or_(
                        Delivery.status == "failed",
                        and_(Delivery.status == "claimed", Delivery.claimed_at < now - lease),
                    ),
                )
                .values(
                    status="claimed",
                    claimed_by=self.worker,
                    claimed_at=now,
                    attempts=Delivery.attempts + 1,
                    channel_id=slot.channel_id,
                )
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
            if won is None:
                return None
            return Claim(won, now, attempts=row.attempts + 1, previous_at=row.claimed_at, started=started)

    def renew(self, claim: Claim, at: datetime) -> bool:
        with self.db.session() as session:
            kept = session.execute(
                update(Delivery)
                .where(self._mine(claim))
                .values(claimed_at=at)
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
        return kept is not None

    def finish(self, claim: Claim, slot: Slot, done: Finished, *, now: datetime) -> bool:
        with self.db.session() as session:
            updated = session.execute(
                update(Delivery)
                .where(self._mine(claim))
                .values(
                    status=done.status,
                    message_ts=done.message_id,
                    sent_at=now,
                    error=None,
                    permalink=done.permalink,
                )
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
            if done.story_ids:
                memory = [
                    {"channel_id": slot.channel_id, "story_id": sid, "delivery_id": claim.delivery_id}
                    for sid in done.story_ids
                ]
                session.execute(
                    self.db.insert(DeliveredStory)
                    .values([{**m, "delivered_at": now} for m in memory])
                    .on_conflict_do_nothing(index_elements=["channel_id", "story_id"])
                )
            if done.status == "sent":
                session.execute(
                    update(Subscription)
                    .where(Subscription.id == slot.subscription_id)
                    .values(cert_rotation=Subscription.cert_rotation + 1, alerted_error=None)
                    .execution_options(synchronize_session=False)
                )
        return updated is not None

    def fail(self, claim: Claim, error: str) -> None:
        with self.db.session() as session:
            session.execute(
                update(Delivery)
                .where(self._mine(claim))
                .values(status="failed", error=error[:2000])
                .execution_options(synchronize_session=False)
            )

    def give_up(self, slot: Slot, reason: str, now: datetime) -> None:
        with self.db.session() as session:
            session.execute(
                self.db.insert(Delivery)
                .values(
                    subscription_id=slot.subscription_id,
                    scheduled_for=slot.scheduled_for,
                    status="skipped",
                    claimed_by=self.worker,
                    claimed_at=now,
                    attempts=0,
                    channel_id=slot.channel_id,
                    error=reason,
                )
                .on_conflict_do_nothing(index_elements=["subscription_id", "scheduled_for"])
            )
            session.execute(
                update(Delivery)
                .where(
                    Delivery.subscription_id == slot.subscription_id,
                    Delivery.scheduled_for == slot.scheduled_for,
                    Delivery.status.in_(("failed", "claimed")),
                )
                .values(status="skipped", error=reason)
                .execution_options(synchronize_session=False)
            )

    def rows(self, keys: list[tuple[int, datetime]]) -> dict[tuple[int, datetime], SlotRow]:
        if not keys:
            return {}
        out: dict[tuple[int, datetime], SlotRow] = {}
        ids = sorted({k[0] for k in keys})
        oldest = min(k[1] for k in keys)
        wanted = set(keys)
        columns = (
            Delivery.status,
            Delivery.claimed_at,
            Delivery.attempts,
            Delivery.error,
            Delivery.message_ts,
        )
        with self.db.read() as session:
            for i in range(0, len(ids), 500):
                found = session.execute(
                    select(Delivery.subscription_id, Delivery.scheduled_for, *columns).where(
                        Delivery.subscription_id.in_(ids[i : i + 500]), Delivery.scheduled_for >= oldest
                    )
                )
                for r in found:
                    if (r[0], r[1]) in wanted:
                        out[(r[0], r[1])] = SlotRow(r[2], r[3], r[4], r[5], r[6])
        return out

    def previous_done(self, subscription_id: int, before: datetime) -> datetime | None:
        with self.db.read() as session:
            return session.scalar(
                select(func.max(Delivery.scheduled_for)).where(
                    Delivery.subscription_id == subscription_id,
                    Delivery.status.in_(("sent", "quiet")),
                    Delivery.scheduled_for < before,
                )
            )

    def known_stories(self, ids: list[int]) -> list[int]:
        if not ids:
            return []
        with self.db.read() as session:
            return sorted(session.scalars(select(Story.id).where(Story.id.in_(ids))))

    def prune(self, cutoff: datetime) -> int:
        newer = aliased(Delivery)
        newer_row = exists().where(
            newer.subscription_id == Delivery.subscription_id, newer.scheduled_for > Delivery.scheduled_for
        )
        newer_sent = newer_row.where(newer.status == "sent")
        with self.db.session() as session:
            result: Any = session.execute(
                delete(Delivery)
                .where(
                    Delivery.scheduled_for < cutoff,
                    or_(
                        Delivery.status.in_(sorted(DONE | {"failed"})),
                        (Delivery.status == "claimed") & (Delivery.claimed_at < cutoff),
                    ),
                    or_((Delivery.status != "sent") & newer_row, newer_sent),
                )
                .execution_options(synchronize_session=False)
            )
            return max(int(result.rowcount or 0), 0)
