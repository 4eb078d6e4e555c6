"""``SubscriptionsStore`` in SQL (SQLAlchemy 2.0, SQLite and PostgreSQL alike): the only place
that touches the ``subscriptions`` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from briefings.errors import SubscriptionNotFound
from briefings.subscriptions.model import (
    ACTIVE,
    DEFAULT_QUIET_MODE,
    DEFAULT_TOP_N,
    MANUAL,
    PAUSED,
    SubscriptionChange,
    SubscriptionView,
)
from briefings.subscriptions.schedule import Schedule, next_slot
from briefings.subscriptions.store import ONE_OFF_SCHEDULE, Subscribe, SubscriptionRow
from storage import Database
from storage.audit import Actor, record
from storage.models import Delivery, Subscription


class SqlSubscriptions:
    """``SubscriptionsStore`` on the application's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def subscribe(self, intent: Subscribe, actor: Actor, *, now: datetime) -> SubscriptionChange:
        with self.db.session() as session:
            sub = _find(session, intent.channel_id, intent.department)
            created = sub is None or sub.status == MANUAL
            existing = None if created or sub is None else view(sub, now=now)
            chosen = intent.schedule(existing)
            if sub is None:
                sub = Subscription(
                    channel_id=intent.channel_id,
                    department=intent.department,
                    created_by=actor.id,
                    created_at=now,
                    top_n=DEFAULT_TOP_N,
                    quiet_mode=DEFAULT_QUIET_MODE,
                    cert_rotation=0,
                )
                session.add(sub)
            elif sub.status == MANUAL:
                # Its slots before now were never scheduled: the first scheduled slot is the next one.
                sub.created_at = now
                sub.created_by = actor.id
            before = _settings(sub)
            _apply(sub, chosen, intent.top_n, intent.quiet_mode)
            if created:
                sub.status, sub.paused_reason = ACTIVE, None
            session.flush()
            record(
                session,
                actor,
                "subscription.create" if created else "subscription.update",
                f"subscription:{sub.id}",
                channel=intent.channel_id,
                department=intent.department,
                schedule=chosen.spec,
                timezone=chosen.timezone,
                top_n=sub.top_n,
                quiet_mode=sub.quiet_mode,
                before=None if created else before,
            )
            return SubscriptionChange(existing, view(sub, now=now))

    def listing(self, channel_id: str | None, *, now: datetime) -> list[SubscriptionView]:
        with self.db.read() as session:
            query = (
                select(Subscription)
                .where(Subscription.status != MANUAL)
                .order_by(Subscription.channel_id, Subscription.department)
            )
            if channel_id is not None:
                query = query.where(Subscription.channel_id == channel_id)
            rows = list(session.scalars(query))
            sent = _last_sent(session, [r.id for r in rows])
            return [view(r, now=now, last_sent=sent.get(r.id)) for r in rows]

    def get(self, subscription_id: int, *, now: datetime | None = None) -> SubscriptionView:
        with self.db.read() as session:
            return view(_visible(session, subscription_id), now=now)

    def remove(self, subscription_id: int, actor: Actor) -> SubscriptionView:
        with self.db.session() as session:
            sub = _visible(session, subscription_id)
            shown = view(sub)
            record(
                session,
                actor,
                "subscription.delete",
                f"subscription:{sub.id}",
                channel=sub.channel_id,
                department=sub.department,
                schedule=sub.schedule,
            )
            session.delete(sub)
            return shown

    def set_status(
        self, subscription_id: int, status: str, reason: str | None, actor: Actor, *, now: datetime
    ) -> SubscriptionView:
        with self.db.session() as session:
            sub = _visible(session, subscription_id)
            _set_status(session, sub, status, reason, actor)
            return view(sub, now=now)

    def one_off(self, *, channel_id: str, department: str, actor: Actor, now: datetime) -> SubscriptionRow:
        with self.db.session() as session:
            sub = _find(session, channel_id, department)
            if sub is None:
                sub = Subscription(
                    channel_id=channel_id,
                    department=department,
                    schedule=ONE_OFF_SCHEDULE,
                    cron="0 0 1 1 *",
                    timezone="UTC",
                    status=MANUAL,
                    quiet_mode=DEFAULT_QUIET_MODE,
                    top_n=DEFAULT_TOP_N,
                    cert_rotation=0,
                    created_by=actor.id,
                    created_at=now,
                )
                session.add(sub)
                session.flush()
                record(
                    session,
                    actor,
                    "subscription.manual",
                    f"subscription:{sub.id}",
                    channel=channel_id,
                    department=department,
                )
            return _row(sub)

    def active(self, only: set[int] | None = None) -> list[SubscriptionRow]:
        with self.db.read() as session:
            query = select(Subscription).where(Subscription.status == ACTIVE)
            if only:
                query = query.where(Subscription.id.in_(sorted(only)))
            return [_row(s) for s in session.scalars(query)]

    def pause_refused(self, subscription_id: int, reason: str) -> bool:
        with self.db.session() as session:
            sub = session.get(Subscription, subscription_id)
            if sub is None or sub.status not in (ACTIVE, PAUSED):
                return False
            _set_status(session, sub, PAUSED, reason, Actor.system())
            return True

    def record_failure(self, subscription_id: int, error: str, cause: str | None, at: datetime) -> bool:
        with self.db.session() as session:
            sub = session.get(Subscription, subscription_id)
            if sub is None:
                return False
            sub.last_error = error[:2000]
            sub.last_error_at = at
            if cause is None or sub.alerted_error == cause[:255]:
                return False
            sub.alerted_error = cause[:255]
            return True


def view(
    sub: Subscription, *, now: datetime | None = None, last_sent: tuple[datetime, str | None] | None = None
) -> SubscriptionView:
    """A frozen view of ``sub``; ``next_run`` is computed when ``now`` is given and it is active."""
    next_run = None
    if now is not None and sub.status == ACTIVE:
        next_run = next_slot(sub.cron, sub.timezone, now)
    return SubscriptionView(
        id=sub.id,
        channel_id=sub.channel_id,
        department=sub.department,
        schedule=sub.schedule,
        cron=sub.cron,
        timezone=sub.timezone,
        status=sub.status,
        paused_reason=sub.paused_reason,
        quiet_mode=sub.quiet_mode,
        top_n=sub.top_n,
        created_by=sub.created_by,
        created_at=sub.created_at,
        next_run=next_run,
        last_sent_at=last_sent[0] if last_sent else None,
        last_permalink=last_sent[1] if last_sent else None,
        last_error=sub.last_error,
        last_error_at=sub.last_error_at,
    )


def _row(sub: Subscription) -> SubscriptionRow:
    return SubscriptionRow(
        id=sub.id,
        channel_id=sub.channel_id,
        department=sub.department,
        cron=sub.cron,
        timezone=sub.timezone,
        status=sub.status,
        quiet_mode=sub.quiet_mode,
        top_n=sub.top_n,
        cert_rotation=sub.cert_rotation,
        created_by=sub.created_by,
        created_at=sub.created_at,
    )


def _settings(sub: Subscription) -> dict[str, object]:
    return {
        "schedule": sub.schedule,
        "timezone": sub.timezone,
        "status": sub.status,
        "top_n": sub.top_n,
        "quiet_mode": sub.quiet_mode,
    }


def _apply(sub: Subscription, schedule: Schedule, top_n: int | None, quiet_mode: str | None) -> None:
    """The settings a subscribe gives; its status is not one of them."""
    sub.schedule = schedule.spec
    sub.cron = schedule.cron
    sub.timezone = schedule.timezone
    if top_n is not None:
        sub.top_n = top_n
    if quiet_mode is not None:
        sub.quiet_mode = quiet_mode


def _find(session: Session, channel_id: str, department: str) -> Subscription | None:
    return session.scalar(
        select(Subscription).where(
            Subscription.channel_id == channel_id, Subscription.department == department
        )
    )


def _visible(session: Session, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.status == MANUAL:
        raise SubscriptionNotFound(
            f"No subscription with ID {subscription_id}. See `briefbot subscriptions list`."
        )
    return sub


def _last_sent(session: Session, ids: list[int]) -> dict[int, tuple[datetime, str | None]]:
    """Per subscription: when its latest briefing was posted, and that message's permalink."""
    if not ids:
        return {}
    latest = (
        select(Delivery.subscription_id, func.max(Delivery.sent_at).label("at"))
        .where(Delivery.subscription_id.in_(ids), Delivery.status == "sent")
        .group_by(Delivery.subscription_id)
        .subquery()
    )
    rows = session.execute(
        select(Delivery.subscription_id, Delivery.sent_at, Delivery.permalink).join(
            latest,
            (Delivery.subscription_id == latest.c.subscription_id) & (Delivery.sent_at == latest.c.at),
        )
    )
    return {sub_id: (at, link) for sub_id, at, link in rows if at is not None}


def _set_status(session: Session, sub: Subscription, status: str, reason: str | None, actor: Actor) -> None:
    before = sub.status
    sub.status = status
    sub.paused_reason = reason if status == PAUSED else None
    record(
        session,
        actor,
        "subscription.pause" if status == PAUSED else "subscription.resume",
        f"subscription:{sub.id}",
        channel=sub.channel_id,
        department=sub.department,
        before=before,
        reason=reason,
    )
