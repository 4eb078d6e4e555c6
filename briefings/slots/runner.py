"""The runner: APScheduler jobs, one per active subscription, a one-minute tick and a daily
prune, each calling down into the planner."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from briefings.delivery.port import BriefingSink
from briefings.slots.planner import Planner, TickReport
from briefings.subscriptions.schedule import cron_trigger
from briefings.subscriptions.store import SubscriptionsStore
from storage.types import utcnow

log = logging.getLogger(__name__)

TICK_SECONDS = 60
JOB_PREFIX = "briefing:"
TICK_JOB = "briefings:tick"
PRUNE_JOB = "briefings:prune"


class Runner:
    """Keeps a scheduler's jobs in step with the active subscriptions; each job asks the planner
    to deliver due slots (all, or one subscription's) or to prune old delivery rows. A slot the
    door refused pauses its subscription: its job goes after the tick. Thread-safe."""

    def __init__(self, *, subscriptions: SubscriptionsStore, planner: Planner) -> None:
        self.subscriptions = subscriptions
        self.planner = planner
        self._scheduler: Any = None
        self._sink: BriefingSink | None = None
        self._job_sigs: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def schedule(self, scheduler: Any, sink: BriefingSink) -> None:
        """Add the tick, the prune and one job per active subscription to ``scheduler``; the
        jobs deliver to ``sink``."""
        from apscheduler.triggers.interval import IntervalTrigger

        self._scheduler = scheduler
        self._sink = sink
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
        self.sync()

    def _tick_job(self) -> None:
        if self._sink is None:
            return
        try:
            self.sync()
            self._unschedule_paused(self.planner.tick(self._sink))
        except Exception:  # the scheduler thread must survive a bad tick (e.g. database down)
            log.exception("briefings tick failed")

    def _slot_job(self, subscription_id: int) -> None:
        if self._sink is None:
            return
        try:
            self._unschedule_paused(self.planner.tick(self._sink, only={subscription_id}))
        except Exception:
            log.exception("scheduled briefing for subscription %s failed", subscription_id)

    def _prune_job(self) -> None:
        try:
            report = self.planner.prune()
        except Exception:  # the scheduler thread must survive (e.g. database down)
            log.exception("pruning old deliveries failed")
            return
        log.info("pruned old deliveries: %s", report)

    def sync(self) -> None:
        """Make the scheduler's per-subscription jobs match the active subscriptions."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        wanted = {f"{JOB_PREFIX}{s.id}": (s.cron, s.timezone) for s in self.subscriptions.active()}
        with self._lock:
            for job_id in list(self._job_sigs):
                if job_id not in wanted:
                    self._remove(job_id)
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

    def _unschedule_paused(self, report: TickReport) -> None:
        for outcome in report.outcomes:
            if outcome.status == "paused":
                self.unschedule(outcome.subscription_id)

    def unschedule(self, subscription_id: int) -> None:
        """Drop the subscription's job (paused or removed)."""
        if self._scheduler is None:
            return
        with self._lock:
            self._remove(f"{JOB_PREFIX}{subscription_id}")

    def _remove(self, job_id: str) -> None:
        self._job_sigs.pop(job_id, None)
        with contextlib.suppress(Exception):  # JobLookupError: already gone
            self._scheduler.remove_job(job_id)
