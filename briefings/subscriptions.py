"""Channel subscriptions: which department's briefing a channel gets, and when.

Statuses: ``active`` (scheduled), ``paused`` (Slack refused the channel, or an admin paused it;
``paused_reason`` says why), ``manual`` (the channel only ever got ``briefbot send`` briefings).
Every change is audited in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from briefings.errors import BriefingError, InvalidChannel, SubscriptionNotFound
from briefings.schedule import Schedule, next_slot
from storage.audit import Actor, record
from storage.models import Delivery, Subscription

ACTIVE, PAUSED, MANUAL = "active", "paused", "manual"
QUIET_MODES = ("post", "skip")
MAX_TOP_N = 10
DEFAULT_TOP_N = 5
DEFAULT_QUIET_MODE = "post"
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{1,31}$")


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as listings and messages show it."""

    id: int
    channel_id: str
    department: str
    schedule: str
    cron: str
    timezone: str
    status: str
    paused_reason: str | None
    quiet_mode: str
    top_n: int
    created_by: str
    created_at: datetime
    next_run: datetime | None = None
    last_sent_at: datetime | None = None


def check_channel_id(channel_id: str) -> str:
    """A Slack channel ID such as ``C0123ABCD`` (upper-cased); a clear error for ``#general``."""
    value = (channel_id or "").strip().upper()
    if not _CHANNEL.match(value):
        raise InvalidChannel(
            f"{(channel_id or '').strip()[:40]!r} is not a Slack channel ID. Use the ID (e.g. C0123ABCD: "
            "open the channel details in Slack, it is at the bottom), not the #name."
        )
    return value


def check_top_n(value: int | str | None) -> int | None:
    """Stories per briefing, 1 to ``MAX_TOP_N`` (a number, or the text someone typed); None: keep."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdecimal() or not 1 <= int(text) <= MAX_TOP_N:
        raise BriefingError(f"A briefing shows 1 to {MAX_TOP_N} stories (e.g. `--top 3`), not {text[:20]!r}.")
    return int(text)


def check_quiet_mode(value: str | None) -> str | None:
    """``post`` or ``skip`` (any case); None: keep."""
    if value is None:
        return None
    mode = value.strip().lower()
    if mode not in QUIET_MODES:
        raise BriefingError(
            "Quiet weeks are either posted as a short note (`--quiet post`) or skipped "
            f"(`--quiet skip`), not {value.strip()[:20]!r}."
        )
    return mode


def view(
    sub: Subscription, *, now: datetime | None = None, last_sent_at: datetime | None = None
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
        last_sent_at=last_sent_at,
    )


def last_sent(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When each subscription's last briefing was posted."""
    if not ids:
        return {}
    rows = session.execute(
        select(Delivery.subscription_id, func.max(Delivery.sent_at))
        .where(Delivery.subscription_id.in_(ids), Delivery.status == "sent")
        .group_by(Delivery.subscription_id)
    )
    return {sub_id: at for sub_id, at in rows if at is not None}


def find(session: Session, channel_id: str, department: str) -> Subscription | None:
    return session.scalar(
        select(Subscription).where(
            Subscription.channel_id == channel_id, Subscription.department == department
        )
    )


def get(session: Session, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise SubscriptionNotFound(
            f"No subscription with ID {subscription_id}. See `briefbot subscriptions list`."
        )
    return sub


def listing(session: Session, channel_id: str | None = None) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.channel_id, Subscription.department)
    if channel_id is not None:
        query = query.where(Subscription.channel_id == channel_id)
    return list(session.scalars(query))


def upsert(
    session: Session,
    *,
    channel_id: str,
    department: str,
    schedule: Schedule,
    actor: Actor,
    top_n: int | None = None,
    quiet_mode: str | None = None,
    now: datetime,
) -> tuple[Subscription, bool]:
    """Subscribe ``channel_id`` (or change its settings and re-activate it). Returns (row, created).

    ``top_n`` and ``quiet_mode`` of None keep what the subscription has (defaults when new).
    """
    sub = find(session, channel_id, department)
    created = sub is None or sub.status == MANUAL
    if sub is None:
        sub = Subscription(
            channel_id=channel_id,
            department=department,
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
    before = {
        "schedule": sub.schedule,
        "timezone": sub.timezone,
        "status": sub.status,
        "top_n": sub.top_n,
        "quiet_mode": sub.quiet_mode,
    }
    sub.schedule = schedule.spec
    sub.cron = schedule.cron
    sub.timezone = schedule.timezone
    sub.status = ACTIVE
    sub.paused_reason = None
    if top_n is not None:
        sub.top_n = top_n
    if quiet_mode is not None:
        sub.quiet_mode = quiet_mode
    session.flush()
    record(
        session,
        actor,
        "subscription.create" if created else "subscription.update",
        f"subscription:{sub.id}",
        channel=channel_id,
        department=department,
        schedule=schedule.spec,
        timezone=schedule.timezone,
        top_n=sub.top_n,
        quiet_mode=sub.quiet_mode,
        before=None if created else before,
    )
    return sub, created


def manual(
    session: Session, *, channel_id: str, department: str, actor: Actor, now: datetime
) -> Subscription:
    """The subscription a one-off ``send`` delivers under (created as ``manual`` if none)."""
    sub = find(session, channel_id, department)
    if sub is not None:
        return sub
    sub = Subscription(
        channel_id=channel_id,
        department=department,
        schedule="(one-off sends only)",
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
    return sub


def remove(session: Session, sub: Subscription, actor: Actor) -> SubscriptionView:
    """Delete ``sub`` (its delivery history goes with it; delivered-story memory stays)."""
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


def set_status(session: Session, sub: Subscription, status: str, reason: str | None, actor: Actor) -> None:
    """Pause or resume ``sub``, audited."""
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
