"""Briefing assembly, subscriptions, scheduling and delivery: the one service every door uses.

The CLI, the ``/ai-brief`` listeners, the APScheduler jobs, the demo and the benchmark all call
this class, so a briefing previewed in Slack, printed by ``briefbot brief`` and posted on schedule
are built by the same code. Time comes from ``self.clock`` (tests inject one) or a ``now``
argument; nothing here sleeps except Slack pacing and retries.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from briefings import subscriptions as subs
from briefings.briefing import Briefing, BriefingStory, PolicyReminder, Spotlight
from briefings.delivery import (
    DONE,
    ChannelPacer,
    Deliverer,
    Due,
    SlotOutcome,
    done_slots,
    ensure_retry_handlers,
)
from briefings.errors import BriefingError, DeliveryError, SubscriptionNotFound
from briefings.profiles import Profile, Profiles, load_profiles
from briefings.rank import Candidate, Ranker, ScoredStory
from briefings.render import RenderedMessage, first_web_link, render_blocks, render_terminal
from briefings.schedule import Schedule, cron_trigger, latest_slot, parse_schedule, parse_timezone
from briefings.store import MAX_AGE, delivered_story_ids, delivered_titles, load_candidates, newest_item_time
from foundation.settings import Settings
from storage import Database
from storage.audit import Actor
from storage.models import Delivery, Subscription
from storage.types import utcnow

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # how far back a first briefing (or a preview) looks
TICK_SECONDS = 60
JOB_PREFIX = "briefing:"
TICK_JOB = "briefings:tick"
PRUNE_JOB = "briefings:prune"
# Pruning never touches a slot younger than grace period + look-back + this margin (time zones,
# clocks), however short the retention period: see ``prune_deliveries``.
PRUNE_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class TickReport:
    """What one scheduler tick did: delivered slots and slots skipped as too old."""

    at: datetime
    outcomes: tuple[SlotOutcome, ...] = ()
    skipped: tuple[tuple[int, datetime], ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveriesPruned:
    """What ``prune_deliveries`` removed: rows of slots scheduled before ``cutoff``."""

    deliveries: int
    cutoff: datetime


class TickCache:
    """Values shared by the deliveries of one tick, each computed once even when workers race."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._locks: dict[Any, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The value for ``key``, computing it (once) if needed."""
        with self._guard:
            lock = self._locks[key]
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


class BriefingService:
    """Builds, schedules and delivers department briefings."""

    def __init__(self, *, db: Database, settings: Settings, knowledge: KnowledgeService) -> None:
        self.db = db
        self.settings = settings
        self.knowledge = knowledge
        self.profiles: Profiles = load_profiles(settings.briefbot_profiles_file)
        self.ranker = Ranker(self.profiles)
        self.clock: Callable[[], datetime] = utcnow
        self.grace = timedelta(hours=settings.briefbot_grace_hours)
        self.workers = 8
        self.deliverer = Deliverer(
            db=db, admins=settings.admin_ids, build=self._build_due, pacer=ChannelPacer(1.0)
        )
        self.deliverer.on_pause = self._unschedule
        self._scheduler: Any = None
        self._slack: WebClient | None = None
        self._job_sigs: dict[str, tuple[str, str]] = {}
        self._jobs_lock = threading.Lock()

    # ================================================================== departments
    def resolve_department(self, name: str | None) -> Profile:
        """The profile for a name or alias (``ops``, ``People``); a clear error otherwise."""
        return self.profiles.resolve(name)

    # ================================================================== building
    def build(
        self,
        department: str,
        *,
        as_of: datetime | None = None,
        timezone: str = "UTC",
        top_n: int = 5,
        rotation: int = 0,
    ) -> Briefing:
        """A preview briefing (no posting, no memory): the week's best stories for ``department``."""
        profile = self.resolve_department(department)
        return self.build_all([profile.key], as_of=as_of, timezone=timezone, top_n=top_n, rotation=rotation)[
            0
        ]

    def build_all(
        self,
        departments: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
        timezone: str = "UTC",
        top_n: int = 5,
        rotation: int = 0,
    ) -> list[Briefing]:
        """Preview briefings for several departments from one read of the stored items."""
        as_of = as_of or self.clock()
        timezone = parse_timezone(timezone)
        since = as_of - LOOKBACK
        keys = [self.resolve_department(d).key for d in (departments or self.profiles.keys)]
        with self.db.read() as session:
            candidates = load_candidates(session, since=since, as_of=as_of, by_first_seen=False)
        out = []
        for key in keys:
            scored = self.ranker.score(candidates, key, now=as_of)
            chosen = self.ranker.select(scored, key, top_n=_top(top_n))
            out.append(self._assemble(key, chosen, scored, candidates, as_of, since, timezone, rotation))
        return out

    def preview_as_of(self) -> datetime:
        """The newest stored item's date (the demo and benchmark build "as of" then), else now."""
        with self.db.read() as session:
            newest = newest_item_time(session)
        return newest or self.clock()

    def _assemble(
        self,
        department: str,
        chosen: list[ScoredStory],
        scored: list[ScoredStory],
        candidates: list[Candidate],
        as_of: datetime,
        since: datetime,
        timezone: str,
        rotation: int,
    ) -> Briefing:
        profile = self.profiles.get(department)
        stories = tuple(
            BriefingStory(
                story_id=s.candidate.story_id,
                title=s.candidate.title,
                summary=s.candidate.summary,
                url=first_web_link(s.candidate.links),
                sources=s.candidate.sources,
                published_at=s.candidate.published_at,
                score=s.score,
                matched=s.matched,
                why=s.why,
                explanation=s.explanation,
                related_story_ids=s.candidate.also_story_ids,
                also_reported=s.candidate.also,
            )
            for s in chosen
        )
        certification = policy = None
        if stories:
            certification = self._spotlight(department, rotation)
            policy = self._policy(stories)
        return Briefing(
            department=department,
            department_name=profile.name,
            as_of=as_of,
            timezone=timezone,
            since=since,
            stories=stories,
            considered=len(candidates),
            above_bar=len(scored),
            certification=certification,
            policy=policy,
        )

    def _spotlight(self, department: str, rotation: int) -> Spotlight | None:
        # The knowledge catalogue is optional: a missing or failing one never blocks a briefing.
        finder = getattr(self.knowledge, "spotlight_certification", None)
        if not callable(finder):
            return None
        try:
            cert = finder(department, rotation)
        except Exception:
            log.exception("certification spotlight failed for %s", department)
            return None
        if cert is None:
            return None
        return Spotlight(
            name=str(getattr(cert, "name", "") or ""),
            provider=str(getattr(cert, "provider", "") or ""),
            url=getattr(cert, "url", None) or None,
            level=str(getattr(cert, "level", "") or ""),
            summary=str(getattr(cert, "summary", "") or ""),
        )

    def _policy(self, stories: tuple[BriefingStory, ...]) -> PolicyReminder | None:
        finder = getattr(self.knowledge, "related_policy_section", None)
        if not callable(finder):
            return None
        text = " ".join(
            [
                *(s.title for s in stories),
                *(a.title for s in stories for a in s.also_reported),
                *(m for s in stories for m in s.matched),
            ]
        )
        try:
            section = finder(text)
        except Exception:
            log.exception("policy reminder lookup failed")
            return None
        if section is None:
            return None
        return PolicyReminder(
            policy_title=str(getattr(section, "policy_title", "") or ""),
            heading=str(getattr(section, "heading", "") or ""),
            excerpt=str(getattr(section, "excerpt", "") or ""),
            url=getattr(section, "url", None) or None,
            owner=str(getattr(section, "owner", "") or ""),
        )

    def _build_due(self, due: Due, cache: TickCache | None) -> Briefing:
        """The briefing for a scheduled (or ``send``) slot: new since the last one, minus memory."""
        as_of = due.scheduled_for
        cache = cache or TickCache()
        with self.db.read() as session:
            previous = session.scalar(
                select(func.max(Delivery.scheduled_for)).where(
                    Delivery.subscription_id == due.subscription_id,
                    Delivery.status.in_(("sent", "quiet")),
                    Delivery.scheduled_for < as_of,
                )
            )
            since = max(previous, as_of - LOOKBACK) if previous else as_of - LOOKBACK
            skip = delivered_story_ids(session, due.channel_id)
            seen_titles = delivered_titles(session, due.channel_id, since=as_of - MAX_AGE)
        candidates: list[Candidate] = cache.get(
            ("candidates", since, as_of), lambda: self._candidates(since, as_of)
        )
        scored: list[ScoredStory] = cache.get(
            ("scored", since, as_of, due.department),
            lambda: self.ranker.score(candidates, due.department, now=as_of),
        )
        chosen = self.ranker.select(
            scored, due.department, top_n=_top(due.top_n), skip_story_ids=skip, skip_titles=seen_titles
        )
        fresh = [s for s in scored if s.candidate.story_id is None or s.candidate.story_id not in skip]
        return self._assemble(
            due.department, chosen, fresh, candidates, as_of, since, due.timezone, due.cert_rotation
        )

    def _candidates(self, since: datetime, as_of: datetime) -> list[Candidate]:
        with self.db.read() as session:
            return load_candidates(session, since=since, as_of=as_of, by_first_seen=True)

    # ================================================================== rendering
    def render(self, briefing: Briefing, *, note: str | None = None) -> RenderedMessage:
        """Block Kit and fallback text for ``briefing`` (``note``: our own line under the header)."""
        return render_blocks(briefing, note=note)

    def render_text(self, briefing: Briefing) -> str:
        """``briefing`` as readable terminal text."""
        return render_terminal(briefing)

    # ================================================================== subscriptions
    def subscribe(
        self,
        channel_id: str,
        department: str,
        schedule: str | None = None,
        *,
        timezone: str | None = None,
        default_timezone: str | None = None,
        actor: Actor,
        top_n: int | str | None = None,
        quiet_mode: str | None = None,
        now: datetime | None = None,
    ) -> tuple[subs.SubscriptionView, bool]:
        """Subscribe a channel (or change its settings). Returns the subscription and whether it is new.

        None keeps what an existing subscription has: ``schedule`` (and, with no schedule given,
        ``timezone``), ``top_n``, ``quiet_mode``. A new subscription gets the default schedule, 5
        stories and quiet weeks posted; a timezone not given is ``default_timezone`` (else UTC).
        Everything is checked before anything is written.
        """
        channel_id = subs.check_channel_id(channel_id)
        profile = self.resolve_department(department)
        top = subs.check_top_n(top_n)
        quiet = subs.check_quiet_mode(quiet_mode)
        now = now or self.clock()
        with self.db.session() as session:
            existing = subs.find(session, channel_id, profile.key)
            if schedule is None and existing is not None and existing.status != subs.MANUAL:
                schedule = existing.schedule
                timezone = timezone or existing.timezone
            parsed: Schedule = parse_schedule(schedule, timezone or default_timezone)
            sub, created = subs.upsert(
                session,
                channel_id=channel_id,
                department=profile.key,
                schedule=parsed,
                actor=actor,
                top_n=top,
                quiet_mode=quiet,
                now=now,
            )
            shown = subs.view(sub, now=now)
        self.sync_jobs()
        return shown, created

    def subscriptions(
        self, channel_id: str | None = None, *, now: datetime | None = None
    ) -> list[subs.SubscriptionView]:
        """All subscriptions (or one channel's), with next run and last post."""
        now = now or self.clock()
        with self.db.read() as session:
            rows = subs.listing(session, channel_id)
            sent = subs.last_sent(session, [r.id for r in rows])
            return [subs.view(r, now=now, last_sent_at=sent.get(r.id)) for r in rows]

    def unsubscribe(
        self,
        *,
        actor: Actor,
        subscription_id: int | None = None,
        channel_id: str | None = None,
        department: str | None = None,
    ) -> subs.SubscriptionView:
        """Remove a subscription by ID, or by channel (and department when the channel has several)."""
        with self.db.session() as session:
            if subscription_id is not None:
                sub = subs.get(session, subscription_id)
            else:
                sub = self._channel_subscription(session, channel_id or "", department)
            shown = subs.remove(session, sub, actor)
        self._unschedule(shown.id)
        return shown

    def _channel_subscription(self, session: Any, channel_id: str, department: str | None) -> Subscription:
        order = self.profiles.keys
        rows = sorted(
            (r for r in subs.listing(session, channel_id) if r.status != subs.MANUAL),
            key=lambda r: order.index(r.department) if r.department in order else len(order),
        )
        if department is not None:
            key = self.resolve_department(department).key
            match = [r for r in rows if r.department == key]
            if not match:
                raise SubscriptionNotFound(f"This channel has no {self.profiles.get(key).name} briefing.")
            return match[0]
        if not rows:
            raise SubscriptionNotFound("This channel has no briefings.")
        if len(rows) > 1:
            names = " and ".join(r.department for r in rows)
            raise BriefingError(
                f"This channel gets {names} briefings; say which one, e.g. "
                f"`/ai-brief unsubscribe {rows[0].department}`."
            )
        return rows[0]

    def set_paused(
        self, subscription_id: int, *, paused: bool, actor: Actor, reason: str | None = None
    ) -> subs.SubscriptionView:
        """Pause or resume a subscription by ID."""
        now = self.clock()
        with self.db.session() as session:
            sub = subs.get(session, subscription_id)
            if sub.status == subs.MANUAL:
                raise BriefingError(
                    f"Subscription {subscription_id} only receives one-off sends; subscribe the channel "
                    "to schedule it."
                )
            subs.set_status(
                session, sub, subs.PAUSED if paused else subs.ACTIVE, reason or "paused by an admin", actor
            )
            shown = subs.view(sub, now=now)
        self.sync_jobs()
        return shown

    # ================================================================== delivery
    def send_now(
        self,
        client: WebClient,
        channel_id: str,
        department: str,
        *,
        actor: Actor,
        now: datetime | None = None,
    ) -> SlotOutcome:
        """Deliver one briefing now through the scheduled path (claim, post, record, memory).

        The slot is this minute: running it twice within a minute posts once.
        """
        channel_id = subs.check_channel_id(channel_id)
        key = self.resolve_department(department).key
        now = now or self.clock()
        with self.db.session() as session:
            sub = subs.manual(session, channel_id=channel_id, department=key, actor=actor, now=now)
            due = _due(sub, now.replace(second=0, microsecond=0))
        outcome = self.deliverer.deliver(ensure_retry_handlers(client), due, now)
        if outcome.status == "busy":
            with self.db.read() as session:
                row = session.scalar(
                    select(Delivery).where(
                        Delivery.subscription_id == due.subscription_id,
                        Delivery.scheduled_for == due.scheduled_for,
                    )
                )
            if row is not None and row.status in ("sent", "quiet"):
                return SlotOutcome(
                    due.subscription_id, channel_id, key, due.scheduled_for, "done", message_ts=row.message_ts
                )
        if outcome.status in ("failed", "paused"):
            raise DeliveryError(
                f"Slack did not take the {key} briefing for {channel_id}: {outcome.error}."
                + (
                    " The subscription is paused and the admins were told."
                    if outcome.status == "paused"
                    else ""
                )
            )
        return outcome

    def plan(self, now: datetime, only: set[int] | None = None) -> tuple[list[Due], list[tuple[Due, str]]]:
        """Which slots are due now: (to deliver, to give up on with the reason)."""
        with self.db.read() as session:
            query = select(Subscription).where(Subscription.status == subs.ACTIVE)
            if only:
                query = query.where(Subscription.id.in_(sorted(only)))
            active = list(session.scalars(query))
        latest: list[Due] = []
        for sub in active:
            try:
                slot = latest_slot(sub.cron, sub.timezone, now)
            except (ValueError, KeyError):
                log.warning("subscription %s has an unusable schedule %r", sub.id, sub.cron)
                continue
            if slot is None or slot < sub.created_at:
                continue
            latest.append(_due(sub, slot))
        rows = done_slots(self.db, [(d.subscription_id, d.scheduled_for) for d in latest])
        due: list[Due] = []
        give_up: list[tuple[Due, str]] = []
        for d in latest:
            row = rows.get((d.subscription_id, d.scheduled_for))
            age = now - d.scheduled_for
            hours = f"{age.total_seconds() / 3600:.1f} h late, grace {self.grace.total_seconds() / 3600:g} h"
            if row is None:
                if age <= self.grace:
                    due.append(d)
                else:
                    give_up.append((d, f"missed while the bot was not running ({hours})"))
            elif row.status == "failed":
                if age > self.grace:
                    give_up.append((d, f"gave up after {row.attempts} attempts ({row.error}; {hours})"))
                elif now - row.claimed_at >= _retry_pause(row.attempts):
                    due.append(d)
            elif row.status == "claimed" and now - row.claimed_at >= self.deliverer.lease:
                if age <= self.grace:
                    due.append(d)
                else:
                    give_up.append((d, f"claimed by a process that never finished ({hours})"))
        return due, give_up

    def tick(
        self, client: WebClient, *, now: datetime | None = None, only: set[int] | None = None
    ) -> TickReport:
        """Deliver every due slot (missed ones younger than the grace period included) once."""
        now = now or self.clock()
        client = ensure_retry_handlers(client)
        due, give_up = self.plan(now, only)
        for d, reason in give_up:
            self._give_up(d, reason, now)
        cache = TickCache()
        ordered = _interleave_channels(due)
        if len(ordered) <= 1:
            outcomes = [self.deliverer.deliver(client, d, now, cache=cache) for d in ordered]
        else:
            # Workers share the cache of candidates and scores: every subscription due at this
            # slot reads and scores the stored items once.
            with ThreadPoolExecutor(max_workers=min(self.workers, len(ordered))) as pool:
                outcomes = list(
                    pool.map(lambda d: self.deliverer.deliver(client, d, now, cache=cache), ordered)
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
            skipped=tuple((d.subscription_id, d.scheduled_for) for d, _ in give_up),
            counts=dict(counts),
        )

    def _give_up(self, due: Due, reason: str, now: datetime) -> None:
        with self.db.session() as session:
            session.execute(
                self.db.insert(Delivery)
                .values(
                    subscription_id=due.subscription_id,
                    scheduled_for=due.scheduled_for,
                    status="skipped",
                    claimed_by=self.deliverer.worker,
                    claimed_at=now,
                    attempts=0,
                    channel_id=due.channel_id,
                    error=reason,
                )
                .on_conflict_do_nothing(index_elements=["subscription_id", "scheduled_for"])
            )
            session.execute(
                update(Delivery)
                .where(
                    Delivery.subscription_id == due.subscription_id,
                    Delivery.scheduled_for == due.scheduled_for,
                    Delivery.status.in_(("failed", "claimed")),
                )
                .values(status="skipped", error=reason)
                .execution_options(synchronize_session=False)
            )
        log.warning(
            "skipped the %s briefing for %s due %s: %s",
            due.department,
            due.channel_id,
            due.scheduled_for.isoformat(),
            reason,
        )

    # ================================================================== retention
    def prune_deliveries(self, *, now: datetime | None = None) -> DeliveriesPruned:
        """Delete delivery rows of slots older than ``BRIEFBOT_RETENTION_DAYS``.

        Safe for exactly-once: the scheduler only ever delivers a subscription's latest slot, and
        only within the grace period, so the cutoff is never later than grace + look-back (the
        previous briefing a new one starts from) + a day before ``now``. Each subscription's newest
        row and newest ``sent`` row stay whatever their age: they stop a long-past latest slot
        from being given up on again, and keep "last posted" in the status views. A row still
        ``claimed`` is deleted only when its claim is older than the cutoff too. Channel memory
        (``delivered_stories``) is kept: it only loses the link to the row.
        """
        now = now or self.clock()
        floor = self.grace + LOOKBACK + PRUNE_MARGIN
        cutoff = now - max(timedelta(days=self.settings.briefbot_retention_days), floor)
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
            count = max(int(result.rowcount or 0), 0)
        return DeliveriesPruned(deliveries=count, cutoff=cutoff)

    def _prune_job(self) -> None:
        try:
            report = self.prune_deliveries()
        except Exception:  # the scheduler thread must survive (e.g. database down)
            log.exception("pruning old deliveries failed")
            return
        log.info("pruned %d deliveries of slots before %s", report.deliveries, report.cutoff)

    # ================================================================== scheduling
    def schedule(self, scheduler: Any, slack: Any) -> None:
        """Add one job per active subscription, a one-minute tick and a daily prune of old
        delivery rows to ``scheduler``.

        The tick runs at start (delivering slots missed while the bot was down, if younger than
        the grace period), retries failed slots, takes over stale claims, and re-reads
        subscriptions so changes made by other processes (CLI, other replicas) are scheduled.
        """
        from apscheduler.triggers.interval import IntervalTrigger

        self._scheduler = scheduler
        self._slack = ensure_retry_handlers(slack)
        scheduler.add_job(
            self._tick_job,
            IntervalTrigger(seconds=TICK_SECONDS),
            id=TICK_JOB,
            name="briefings: deliver due and missed slots",
            next_run_time=utcnow(),
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(
            self._prune_job,
            trigger="cron",
            hour=3,
            minute=27,
            id=PRUNE_JOB,
            name="briefings: prune old deliveries",
            replace_existing=True,
        )
        self.sync_jobs()

    def _tick_job(self) -> None:
        if self._slack is None:
            return
        try:
            self.sync_jobs()
            self.tick(self._slack)
        except Exception:  # the scheduler thread must survive a bad tick (e.g. database down)
            log.exception("briefings tick failed")

    def _slot_job(self, subscription_id: int) -> None:
        if self._slack is None:
            return
        try:
            self.tick(self._slack, only={subscription_id})
        except Exception:
            log.exception("scheduled briefing for subscription %s failed", subscription_id)

    def sync_jobs(self) -> None:
        """Make the scheduler's per-subscription jobs match the active subscriptions."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        with self.db.read() as session:
            rows = session.execute(
                select(Subscription.id, Subscription.cron, Subscription.timezone).where(
                    Subscription.status == subs.ACTIVE
                )
            ).all()
        wanted = {f"{JOB_PREFIX}{i}": (cron, tz) for i, cron, tz in rows}
        with self._jobs_lock:
            for job_id in list(self._job_sigs):
                if job_id not in wanted:
                    self._remove_job(job_id)
            for job_id, sig in wanted.items():
                if self._job_sigs.get(job_id) == sig:
                    continue
                try:
                    trigger = cron_trigger(*sig)
                except (ValueError, KeyError):
                    log.warning("cannot schedule %s: bad schedule %r", job_id, sig)
                    continue
                scheduler.add_job(
                    self._slot_job,
                    trigger,
                    args=[int(job_id[len(JOB_PREFIX) :])],
                    id=job_id,
                    name=f"briefing for subscription {job_id[len(JOB_PREFIX) :]}",
                    replace_existing=True,
                )
                self._job_sigs[job_id] = sig

    def _remove_job(self, job_id: str) -> None:
        self._job_sigs.pop(job_id, None)
        with contextlib.suppress(Exception):  # JobLookupError: already gone
            self._scheduler.remove_job(job_id)

    def _unschedule(self, subscription_id: int) -> None:
        if self._scheduler is None:
            return
        with self._jobs_lock:
            self._remove_job(f"{JOB_PREFIX}{subscription_id}")

    def next_runs(self) -> dict[int, datetime | None]:
        """Scheduled next run per subscription ID (from the scheduler's jobs)."""
        if self._scheduler is None:
            return {}
        out = {}
        for job in self._scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                out[int(job.id[len(JOB_PREFIX) :])] = job.next_run_time
        return out


def _top(n: int) -> int:
    return max(1, min(int(n), subs.MAX_TOP_N))


def _due(sub: Subscription, slot: datetime) -> Due:
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
    )


def _retry_pause(attempts: int) -> timedelta:
    """0, 1, 3, 7, 15, 30, 30... minutes: the first retry is on the very next tick."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0) - 1, 30))


def _interleave_channels(due: list[Due]) -> list[Due]:
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
