"""The planner: which slots are due at a tick, delivering them once, giving up on old ones, and
pruning old delivery rows. The runner (APScheduler) calls it; it calls the deliverer."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from briefings.assembly.building import LOOKBACK, TickCache
from briefings.delivery.deliverer import Deliverer
from briefings.delivery.port import BriefingSink, FailureKind, Notice
from briefings.delivery.store import DeliveriesStore, SlotRow
from briefings.errors import DeliveryError
from briefings.slots.slot import RETRIES_EXHAUSTED, Due, SlotOutcome
from briefings.subscriptions.schedule import latest_slot
from briefings.subscriptions.store import SubscriptionRow, SubscriptionsStore
from foundation.metrics import DELIVERIES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    """What one scheduler tick did: delivered slots and slots skipped as too old."""

    at: datetime
    outcomes: tuple[SlotOutcome, ...] = ()
    skipped: tuple[tuple[int, datetime], ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GiveUp:
    """A slot too old to deliver: why, and the cause to tell the admins (None: nothing to tell)."""

    due: Due
    reason: str
    cause: str | None = None
    # The failed slot's last error: when the sink calls it persistent, that is the cause told.
    error: str | None = None


@dataclass(frozen=True)
class DeliveriesPruned:
    """What ``prune`` removed: rows of slots scheduled before ``cutoff``."""

    deliveries: int
    cutoff: datetime


# Pruning never touches a slot younger than grace period + look-back + this margin (time zones,
# clocks), however short the retention period: see ``Planner.prune``.
PRUNE_MARGIN = timedelta(days=1)


class Planner:
    """Plans and runs ticks over the active subscriptions. Thread-safe."""

    def __init__(
        self,
        *,
        deliverer: Deliverer,
        deliveries: DeliveriesStore,
        subscriptions: SubscriptionsStore,
        grace: timedelta,
        retention: timedelta,
        clock: Callable[[], datetime],
        workers: int = 8,
    ) -> None:
        self.deliverer = deliverer
        self.deliveries = deliveries
        self.subscriptions = subscriptions
        self.grace = grace
        self.retention = retention
        self.clock = clock
        self.workers = workers

    def plan(self, now: datetime, only: set[int] | None = None) -> tuple[list[Due], list[GiveUp]]:
        """Which slots are due now: (to deliver, to give up on)."""
        latest: list[Due] = []
        for sub in self.subscriptions.active(only):
            try:
                slot = latest_slot(sub.cron, sub.timezone, now)
            except (ValueError, KeyError):
                log.warning("subscription %s has an unusable schedule %r", sub.id, sub.cron)
                continue
            if slot is not None and slot >= sub.created_at:
                latest.append(due_for(sub, slot))
        rows = self.deliveries.rows([(d.subscription_id, d.scheduled_for) for d in latest])
        due: list[Due] = []
        give_up: list[GiveUp] = []
        for d in latest:
            verdict = self._judge(d, rows.get((d.subscription_id, d.scheduled_for)), now)
            if verdict is True:
                due.append(d)
            elif isinstance(verdict, GiveUp):
                give_up.append(verdict)
        return due, give_up

    def _judge(self, d: Due, row: SlotRow | None, now: datetime) -> bool | GiveUp:
        """True: deliver now; a ``GiveUp``: too late; False: leave it (done, or not yet)."""
        age, grace = now - d.scheduled_for, self.grace
        late = age > grace
        hours = f"{age.total_seconds() / 3600:.1f} h late, grace {grace.total_seconds() / 3600:g} h"
        if row is None:
            return GiveUp(d, f"missed while the bot was not running ({hours})") if late else True
        if row.status == "failed":
            if late:
                reason = f"gave up after {row.attempts} attempts ({row.error}; {hours})"
                return GiveUp(d, reason, RETRIES_EXHAUSTED, error=row.error)
            return now - row.claimed_at >= retry_pause(row.attempts)
        if row.status == "claimed" and now - row.claimed_at >= self.deliverer.lease:
            if late:
                return GiveUp(d, f"claimed by a process that never finished ({hours})", RETRIES_EXHAUSTED)
            return True
        return False

    def tick(
        self,
        sink: BriefingSink,
        *,
        now: datetime | None = None,
        only: set[int] | None = None,
        workers: int | None = None,
    ) -> TickReport:
        """Deliver every due slot (missed ones younger than the grace period included) once, on
        up to ``workers`` threads (default: the planner's)."""
        now = now or self.clock()
        due, give_up = self.plan(now, only)
        for g in give_up:
            self.give_up(sink, g, now)
        cache = TickCache()
        ordered = interleave_channels(due)
        if len(ordered) <= 1:
            outcomes = [self.deliverer.deliver(sink, d, now, cache=cache) for d in ordered]
        else:
            # Workers share the cache of candidates and scores: every subscription due at this
            # slot reads and scores the stored items once.
            with ThreadPoolExecutor(max_workers=min(workers or self.workers, len(ordered))) as pool:
                outcomes = list(
                    pool.map(lambda d: self.deliverer.deliver(sink, d, now, cache=cache), ordered)
                )
        counts: dict[str, int] = defaultdict(int)
        for o in outcomes:
            counts[o.status] += 1
        counts["skipped"] = len(give_up)
        if outcomes or give_up:
            log.info(
                "briefings tick: %s",
                ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing due",
            )
        return TickReport(
            at=now,
            outcomes=tuple(outcomes),
            skipped=tuple((g.due.subscription_id, g.due.scheduled_for) for g in give_up),
            counts=dict(counts),
        )

    def send_one_off(self, sink: BriefingSink, sub: SubscriptionRow, now: datetime) -> SlotOutcome:
        """Deliver ``sub``'s slot of this minute now (``done`` when it already was); a
        ``DeliveryError`` saying what to do when the door did not take it."""
        due = replace(due_for(sub, now.replace(second=0, microsecond=0)), built_at=now)
        outcome = self.deliverer.deliver(sink, due, now)
        if outcome.status == "busy":
            row = self.deliveries.rows([(due.subscription_id, due.scheduled_for)]).get(
                (due.subscription_id, due.scheduled_for)
            )
            if row is not None and row.status in ("sent", "quiet"):
                return replace(outcome, status="done", message_ts=row.message_ts, error=None)
        if outcome.status in ("failed", "paused"):
            raise DeliveryError(sink.words(Notice("refused", due, outcome.error or "", outcome.status)))
        return outcome

    def give_up(self, sink: BriefingSink, g: GiveUp, now: datetime) -> None:
        """Mark the slot ``skipped``, remember why on the subscription, and tell the admins when
        its retries ran out (once per cause)."""
        due = g.due
        self.deliveries.give_up(due.slot, g.reason, now)
        DELIVERIES.labels("skipped").inc()
        log.warning(
            "skipped the %s briefing for %s due %s: %s",
            due.department,
            due.channel_id,
            due.scheduled_for.isoformat(),
            g.reason,
        )
        cause = g.cause
        if g.error is not None and sink.kind_of(g.error) == FailureKind.PERSISTENT:
            cause = g.error
        self.deliverer.notices.failed(sink, due, g.reason, now, cause=cause)

    def prune(self, *, now: datetime | None = None, retention: timedelta | None = None) -> DeliveriesPruned:
        """Delete delivery rows of slots older than the retention period (default: the planner's).

        Safe for exactly-once: the scheduler only ever delivers a subscription's latest slot, and
        only within the grace period, so the cutoff is never later than grace + look-back (the
        previous briefing a new one starts from) + a day before ``now``. Each subscription's newest
        row and newest ``sent`` row stay whatever their age: they stop a long-past latest slot
        from being given up on again, and keep "last posted" in the status views. A row still
        ``claimed`` is deleted only when its claim is older than the cutoff too. Channel memory
        (``delivered_stories``) is kept: it only loses the link to the row.
        """
        now = now or self.clock()
        cutoff = now - max(retention or self.retention, self.grace + LOOKBACK + PRUNE_MARGIN)
        return DeliveriesPruned(deliveries=self.deliveries.prune(cutoff), cutoff=cutoff)


def due_for(sub: SubscriptionRow, slot: datetime) -> Due:
    """The slot ``slot`` of ``sub``."""
    return Due(
        subscription_id=sub.id,
        channel_id=sub.channel_id,
        department=sub.department,
        timezone=sub.timezone,
        quiet_mode=sub.quiet_mode,
        top_n=sub.top_n,
        cert_rotation=sub.cert_rotation,
        created_by=sub.created_by,
        scheduled_for=slot,
        one_off=sub.status == "manual",
    )


def retry_pause(attempts: int) -> timedelta:
    """0, 1, 3, 7, 15, 30, 30... minutes: the first retry is on the very next tick."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0) - 1, 30))


def interleave_channels(due: list[Due]) -> list[Due]:
    """Round-robin over channels so workers are not all waiting on one channel's pacing."""
    by_channel: dict[str, list[Due]] = defaultdict(list)
    for d in due:
        by_channel[d.channel_id].append(d)
    out: list[Due] = []
    queues = list(by_channel.values())
    while queues:
        out += [q.pop(0) for q in queues]
        queues = [q for q in queues if q]
    return out
