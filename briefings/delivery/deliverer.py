"""The whole slot: claim, build, post, record (see the package docstring for the rules)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from briefings.assembly.briefing import Briefing
from briefings.delivery.notices import Notices
from briefings.delivery.pacing import ChannelPacer
from briefings.delivery.port import BriefingSink, FailureKind, Outgoing, Posted, Unreadable
from briefings.delivery.posting import POST_RETRY_PAUSES, Poster, warn_posting_again
from briefings.delivery.store import Claim, DeliveriesStore, Finished
from briefings.slots.slot import ClaimLost, Due, SlotOutcome, delivery_key, outcome
from briefings.subscriptions.store import SubscriptionsStore
from foundation.heartbeat import Heartbeat
from foundation.metrics import DELIVERIES

log = logging.getLogger(__name__)

# Looking for an earlier attempt's message: start this long before that attempt claimed the slot
# (our clock and the door's may disagree).
HISTORY_MARGIN = timedelta(minutes=5)


class SlotBuilder(Protocol):
    """Builds the briefing a due slot posts (``briefings.assembly.building.BriefingBuilder``). ``cache``:
    what the tick's slots share (candidates and scores read once per tick), or None."""

    def build_due(self, due: Due, cache: Any) -> Briefing: ...


class TickClock:
    """The current time on a tick's clock: ``now`` (when the tick started) plus the time since
    this process first saw that ``now``. A tick delivers its slots one after another for minutes,
    so a claim or a renewal must not be stamped with the tick's start. Whole seconds: a slot
    claimed in its tick's first second is stamped with the tick's time, so the retry pauses (whole
    minutes) still line up with the ticks. Thread-safe."""

    def __init__(self) -> None:
        # When each tick's ``now`` was first seen.
        self._anchors: dict[datetime, float] = {}
        self._guard = threading.Lock()

    def at(self, now: datetime, monotonic: Callable[[], float]) -> datetime:
        with self._guard:
            anchor = self._anchors.get(now)
            if anchor is None:
                if len(self._anchors) >= 64:
                    del self._anchors[next(iter(self._anchors))]
                anchor = self._anchors[now] = monotonic()
        return now + timedelta(seconds=max(0, int(monotonic() - anchor)))


class Deliverer:
    """Claims, builds, posts and records slots. Thread-safe; one per BriefingService.

    ``pacer``, ``sleep``, ``monotonic`` and ``retry_pauses`` are read at each use, so tests may
    swap them."""

    def __init__(
        self,
        *,
        deliveries: DeliveriesStore,
        subscriptions: SubscriptionsStore,
        admins: frozenset[str],
        builder: SlotBuilder,
        lease: timedelta = timedelta(minutes=10),
        pacer: ChannelPacer | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.builder = builder
        self.lease = lease
        self.pacer = pacer or ChannelPacer()
        self.retry_pauses = POST_RETRY_PAUSES
        self.sleep: Callable[[float], None] = time.sleep
        self.monotonic: Callable[[], float] = time.monotonic
        self.notices = Notices(subscriptions=subscriptions, admins=admins, pacer=lambda: self.pacer)
        self._clock = TickClock()

    @property
    def worker(self) -> str:
        """This process's name in claims."""
        return self.deliveries.worker

    def clock(self, now: datetime) -> datetime:
        """The current time on the tick's clock (see ``TickClock``)."""
        return self._clock.at(now, self.monotonic)

    def renew(self, claim: Claim, due: Due, now: datetime) -> None:
        """Extend the lease before posting again; ``ClaimLost`` if another process has the slot."""
        if not self.deliveries.renew(claim, self.clock(now)):
            raise ClaimLost(
                f"slot {due.scheduled_for.isoformat()} of subscription {due.subscription_id} was "
                "taken over by another process"
            )

    def _finish(
        self,
        claim: Claim,
        due: Due,
        *,
        status: str,
        ts: str | None,
        story_ids: list[int],
        now: datetime,
        sink: BriefingSink | None = None,
    ) -> bool:
        link = sink.permalink(due.channel_id, ts) if sink is not None and ts else None
        link = link[:500] if link else None
        done = self.deliveries.finish(
            claim, due.slot, Finished(status, ts, tuple(story_ids), permalink=link), now=now
        )
        if not done:
            log.warning(
                "slot %s of subscription %s was taken over while this process posted it (ts %s)",
                due.scheduled_for.isoformat(),
                due.subscription_id,
                ts,
            )
        return done

    def _known_stories(self, ids: Any) -> list[int]:
        """The story IDs of a found message's metadata that still exist (memory refers to them)."""
        if not isinstance(ids, list):
            return []
        wanted = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})
        return self.deliveries.known_stories(wanted)

    # ------------------------------------------------------------------ the whole slot
    def deliver(self, sink: BriefingSink, due: Due, now: datetime, *, cache: Any = None) -> SlotOutcome:
        """Claim, build, post and record one slot. Never raises (a database error included): the
        slot is left ``failed`` (or ``claimed``, when even that cannot be written) for a retry."""
        result = self._deliver(sink, due, now, cache)
        DELIVERIES.labels("recovered" if result.recovered else result.status).inc()
        return result

    def _deliver(self, sink: BriefingSink, due: Due, now: datetime, cache: Any) -> SlotOutcome:
        claim: Claim | None = None
        try:
            claim = self.deliveries.claim(
                due.slot, now=self.clock(now), lease=self.lease, started=self.monotonic()
            )
            if claim is None:
                return outcome(due, "busy")
            held = claim
            # Renewed while this process works on the slot, so the lease can be short: a crashed
            # process's slot is taken over soon after, a slow post keeps its own.
            with Heartbeat(
                self.lease.total_seconds() / 3,
                lambda: self.deliveries.renew(held, self.clock(now)),
                name="delivery",
            ):
                found = self._recover(sink, due, claim, now) if claim.previous_at is not None else None
                return found or self._post_slot(sink, due, claim, now, cache)
        except ClaimLost as exc:
            log.warning("%s while this process delivered it: left to that process", exc)
            return outcome(due, "busy", error="taken over")
        except Exception as exc:  # the database, mostly: the tick's other slots go on
            log.exception("delivering %s briefing to %s failed", due.department, due.channel_id)
            error = sink.classify(exc).error
            if claim is not None:
                try:
                    self.deliveries.fail(claim, error)
                except Exception:
                    log.exception("could not record the failure; the claim expires with its lease")
            return outcome(due, "failed", error=error)

    def _recover(self, sink: BriefingSink, due: Due, claim: Claim, now: datetime) -> SlotOutcome | None:
        """A re-claimed slot whose message an earlier attempt already posted: recorded, not
        posted again. None when it has to be posted."""
        found = self.find_posted(sink, due, delivery_key(due))
        if found is None:
            return None
        found_ts, found_ids = found
        if not self._finish(claim, due, status="sent", ts=found_ts, story_ids=found_ids, now=now, sink=sink):
            return outcome(due, "busy", error="taken over")
        log.info(
            "the %s briefing for %s due %s was already posted (ts %s) by an attempt that "
            "did not record it: recorded, not posted again",
            due.department,
            due.channel_id,
            due.scheduled_for.isoformat(),
            found_ts,
        )
        return outcome(due, "sent", message_ts=found_ts, stories=len(found_ids), recovered=True)

    def _post_slot(
        self, sink: BriefingSink, due: Due, claim: Claim, now: datetime, cache: Any
    ) -> SlotOutcome:
        try:
            briefing = self.builder.build_due(due, cache)
            story_ids = [i for s in briefing.stories for i in s.story_ids]
            if briefing.quiet and due.quiet_mode == "skip":
                self._finish(claim, due, status="quiet", ts=None, story_ids=[], now=now)
                log.info("quiet week for %s in %s: nothing posted", due.department, due.channel_id)
                return outcome(due, "quiet")
            message = Outgoing(delivery_key(due), briefing, story_ids)
            with self.pacer.turn(due.channel_id):
                ts, recovered = self.post(sink, due, message, claim=claim, now=now)
        except ClaimLost:
            raise
        except Exception as exc:  # a timeout, a bug in a data pack...: retry later, never lose the slot
            return self._failed(sink, due, claim, exc, now)
        self._finish(claim, due, status="sent", ts=ts, story_ids=story_ids, now=now, sink=sink)
        log.info(
            "%s %s briefing to %s (%d stories, ts %s)",
            "Slack took, without answering, the" if recovered else "posted",
            due.department,
            due.channel_id,
            len(story_ids),
            ts,
        )
        return outcome(due, "sent", message_ts=ts, stories=len(story_ids), recovered=recovered)

    def _failed(
        self, sink: BriefingSink, due: Due, claim: Claim, exc: Exception, now: datetime
    ) -> SlotOutcome:
        failure = sink.classify(exc)
        error = failure.error
        self.deliveries.fail(claim, error)
        if failure.kind == FailureKind.PAUSE:
            self.notices.pause(sink, due, error, now)
            return outcome(due, "paused", error=error)
        if failure.answered:
            log.warning("posting %s briefing to %s failed: %s", due.department, due.channel_id, error)
        else:
            log.error("delivering %s briefing to %s failed", due.department, due.channel_id, exc_info=exc)
        self.notices.failed(sink, due, error, now)
        return outcome(due, "failed", error=error)

    def post(
        self, sink: BriefingSink, due: Due, message: Outgoing, *, claim: Claim, now: datetime
    ) -> tuple[str | None, bool]:
        """Post the slot's message (see ``Poster.post``); retries stop at half the lease, so the
        lease outlives the post even without renewals."""
        poster = Poster(
            sleep=self.sleep,
            monotonic=self.monotonic,
            pauses=self.retry_pauses,
            deadline=claim.started + self.lease.total_seconds() / 2,
            renew=lambda: self.renew(claim, due, now),
            search=lambda: self._search_since_claim(sink, due, message.key, claim),
        )
        return poster.post(sink, due, message, first=claim.previous_at is None)

    def _search_since_claim(
        self, sink: BriefingSink, due: Due, key: str, claim: Claim
    ) -> str | Unreadable | None:
        found = sink.find(due.channel_id, key, since=claim.at - HISTORY_MARGIN)
        return found.message_id if isinstance(found, Posted) else found

    def find_posted(self, sink: BriefingSink, due: Due, key: str) -> tuple[str, list[int]] | None:
        """The message ID and story IDs of the slot's message if an earlier attempt posted it,
        else None. Searched from the slot's time: no attempt claims a slot before it is due, and
        the attempt that posted may be older than the one just taken over. None, with a warning,
        when the history cannot be read: the caller posts again rather than lose the briefing."""
        found = sink.find(due.channel_id, key, since=due.scheduled_for - HISTORY_MARGIN)
        if isinstance(found, Unreadable):
            warn_posting_again(due, "an earlier attempt posted", found)
            return None
        return None if found is None else (found.message_id, self._known_stories(found.story_ids))
