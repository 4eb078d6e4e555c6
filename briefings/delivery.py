"""Posting briefings to Slack exactly once.

A slot is (subscription, scheduled_for). Before posting, a process *claims* it with an INSERT
that does nothing on conflict with the unique key: if the insert adds no row, another process
(or an earlier tick) has it. Re-claiming is an UPDATE guarded by the row's state, so only one
process can win it:

* ``failed`` slots are retried on later ticks (with a growing pause between attempts) until the
  grace period is over, then marked ``skipped``; their stories are not lost, because the channel's
  memory never recorded them, they stay candidates for the next briefing;
* ``claimed`` slots older than the lease belong to a process that crashed mid-way and are taken
  over.

``claimed_at`` is the moment of the claim (a tick delivers its slots one after another for
minutes, so not the tick's start). A post's retries stop at half the lease, and each re-post first
renews the claim with an UPDATE that matches only this attempt (status, worker, attempt count): if
another process has taken the slot over meanwhile, this one stops and leaves it to them.

A process can die after Slack accepted the post but before the database recorded it. So every
slot's post carries Slack message metadata (event type ``briefbot_briefing``, the slot's
``delivery_key`` and the story IDs), and whoever re-claims a slot first reads the channel's
history since the slot's time (``conversations.history`` with ``include_all_metadata``; any
earlier attempt, not only the last one, may have posted): a message of our own bot (its
``bot_id``, from ``auth.test``) with the same key is recorded as the delivery, with its ``ts`` and
stories, and nothing is posted again. Another app's message with our metadata does not count;
when ``auth.test`` cannot be read, any message with the key counts, with a warning. When the
history cannot be read (``missing_scope``: the app lacks ``channels:history``/``groups:history``;
``not_in_channel``; rate limits after retries; too many messages to page through) the slot is
posted again, with a warning: a rare duplicate beats a lost briefing.

A database error anywhere in a slot (while recording a message found in the channel, say) leaves
the slot ``failed`` for a retry (or ``claimed`` until its lease runs out, when even that cannot be
written), never treated as "not posted": ``deliver()`` returns a ``failed`` outcome and the tick's
other slots go on.

After a post the slot becomes ``sent`` with the message ``ts``, and its stories enter the
channel's memory (``delivered_stories``) in the same transaction. ``not_in_channel``,
``channel_not_found`` and ``is_archived`` pause the subscription and tell the admins by DM.

Slack is a sink behind ``slack_sdk.WebClient``: 429 honours Retry-After
(``RateLimitErrorRetryHandler``), 5xx, connection errors and timeouts retry with back-off; the
handlers are added to a client that lacks them.

Except for the briefing post itself: re-sending a ``chat.postMessage`` whose answer was lost posts
the briefing twice. The post goes through a copy of the client that keeps only the 429 handler (a
rate-limited call did nothing), and delivery sorts the other failures itself:

* *not sent*: urllib raises ``URLError`` only while connecting or writing the request (refused,
  unreachable, DNS, TLS handshake, a timeout before the request was out), so Slack never had the
  whole request: the post is retried after a pause;
* *ambiguous*: an HTTP 5xx, or any other network error (a read timeout, ``RemoteDisconnected``,
  a connection reset, a truncated answer), comes after the request was written, and Slack may
  have stored the message: after a pause, the channel's history since the claim is searched for
  the slot's key; a message found is recorded as the delivery, else the post is retried. Once an
  answer was lost, every later re-post is preceded by such a search, even after a *not sent*
  failure. When the history cannot be read, the post is retried with a warning, as for a
  re-claimed slot.

When ``POST_RETRY_PAUSES`` run out the slot is marked ``failed`` and left to the next tick, whose
re-claim searches the history first. Slack's ``ok: false`` answers take that path at once (among
them ``internal_error``, which Slack's docs say may follow a partial success).
"""

from __future__ import annotations

import copy
import http.client
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import and_, or_, select, update

from briefings.briefing import Briefing
from briefings.render import render_blocks
from briefings.subscriptions import ACTIVE, PAUSED, set_status
from storage import Database
from storage.audit import Actor
from storage.models import DeliveredStory, Delivery, Story, Subscription

log = logging.getLogger(__name__)

PAUSE_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
DONE = frozenset({"sent", "quiet", "skipped"})
EVENT_TYPE = "briefbot_briefing"
# Looking for an earlier attempt's message: start this long before that attempt claimed the slot
# (our clock and Slack's may disagree), read pages of this size, and give up after so many pages
# (a busy channel; apps outside the Slack Marketplace get 15 messages a request, once a minute).
HISTORY_MARGIN = timedelta(minutes=5)
HISTORY_PAGE = 200
HISTORY_PAGES = 5
# Pauses before each retry of a briefing post that failed without an answer (or with a 5xx); an
# ambiguous failure's history search comes after the pause, when Slack has finished with the call.
POST_RETRY_PAUSES = (1.0, 4.0)
NOT_SENT = "not sent"
AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Due:
    """One slot to deliver, with the subscription fields delivery needs."""

    subscription_id: int
    channel_id: str
    department: str
    timezone: str
    quiet_mode: str
    top_n: int
    cert_rotation: int
    created_by: str
    scheduled_for: datetime


@dataclass(frozen=True)
class SlotOutcome:
    """What happened to one slot.

    ``status``: ``sent`` (posted), ``quiet`` (nothing above the bar, subscription skips quiet
    weeks), ``failed`` (will be retried), ``paused`` (Slack refused the channel), ``busy``
    (another process holds the claim or the slot is already done). ``recovered``: ``sent`` by an
    earlier attempt that died before recording it, or by this attempt's post whose answer was lost;
    found in the channel, not posted again.
    """

    subscription_id: int
    channel_id: str
    department: str
    scheduled_for: datetime
    status: str
    message_ts: str | None = None
    stories: int = 0
    error: str | None = None
    recovered: bool = False


@dataclass(frozen=True)
class Claim:
    """A slot this process may post, claimed ``at``. ``attempts``: the row's count when this
    attempt claimed it (with the worker, what tells this attempt from a later one);
    ``previous_at``: when the attempt it took over (a stale ``claimed`` or a ``failed`` one)
    claimed the slot, None for a first claim; ``started``: the ``monotonic`` reading at the
    claim."""

    delivery_id: int
    at: datetime
    attempts: int = 1
    previous_at: datetime | None = None
    started: float = 0.0


class ClaimLost(Exception):
    """Another process took the slot over (our lease ran out): leave it to them."""


def delivery_key(due: Due) -> str:
    """The slot's key in its message metadata: stable across attempts and processes."""
    return f"{due.subscription_id}@{due.scheduled_for.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def slack_ts(moment: datetime) -> str:
    """``moment`` as a Slack timestamp (``oldest``/``latest`` arguments)."""
    return f"{moment.timestamp():.6f}"


class ChannelPacer:
    """One message at a time per channel, at least ``interval`` seconds apart (Slack allows about
    one per second per channel). A post holds the channel's turn through its own retries, so a
    429 retry never overtakes the channel's next message."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._channels: dict[str, tuple[threading.Lock, list[float]]] = {}
        self._guard = threading.Lock()

    def _slot(self, channel: str) -> tuple[threading.Lock, list[float]]:
        with self._guard:
            found = self._channels.get(channel)
            if found is None:
                if len(self._channels) > 50_000:
                    now = self.clock()
                    self._channels = {
                        c: v for c, v in self._channels.items() if v[0].locked() or v[1][0] > now
                    }
                found = self._channels[channel] = (threading.Lock(), [0.0])
            return found

    @contextmanager
    def turn(self, channel: str) -> Iterator[None]:
        """Hold ``channel`` for one post: waits for the previous one plus the interval."""
        lock, next_at = self._slot(channel)
        with lock:
            wait = next_at[0] - self.clock()
            if wait > 0:
                self.sleep(wait)
            try:
                yield
            finally:
                next_at[0] = self.clock() + self.interval


def ensure_retry_handlers(client: WebClient) -> WebClient:
    """Add 429 / 5xx / connection-and-timeout retry handlers to ``client`` when it lacks them.
    Right for reads and DMs; briefing posts go through ``posting_client``."""
    kinds = {type(h) for h in client.retry_handlers}
    if RateLimitErrorRetryHandler not in kinds:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    if ServerErrorRetryHandler not in kinds:
        client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    if not any(
        isinstance(h, ConnectionErrorRetryHandler) and _covers_timeouts(h) for h in client.retry_handlers
    ):
        client.retry_handlers.append(
            ConnectionErrorRetryHandler(max_retry_count=2, error_types=[TimeoutError, socket.timeout])
        )
    return client


def _covers_timeouts(handler: ConnectionErrorRetryHandler) -> bool:
    return any(issubclass(TimeoutError, t) for t in getattr(handler, "error_types_to_do_retries", []))


def posting_client(client: WebClient) -> WebClient:
    """A copy of ``client`` for briefing posts: without the connection-error and 5xx retry
    handlers, which would re-send a post Slack may already have stored, and with a 429 handler."""
    poster = copy.copy(client)
    poster.retry_handlers = [
        h
        for h in client.retry_handlers
        if not isinstance(h, ConnectionErrorRetryHandler | ServerErrorRetryHandler)
    ]
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in poster.retry_handlers):
        poster.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return poster


def post_failure(exc: BaseException) -> str | None:
    """How a failed post failed: ``NOT_SENT``, ``AMBIGUOUS`` (Slack may have stored it), or None
    (an answer Slack gave, or not a network error: not retried here)."""
    if isinstance(exc, SlackApiError):
        return AMBIGUOUS if exc.response.status_code >= 500 else None
    if isinstance(exc, URLError):  # urllib wraps only errors raised while connecting or sending
        return NOT_SENT
    if isinstance(exc, OSError | http.client.HTTPException):
        return AMBIGUOUS
    return None


def worker_name() -> str:
    """Identifies this process in claims (host, pid and a random suffix)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Deliverer:
    """Claims, builds, posts and records slots. Thread-safe; one per BriefingService."""

    def __init__(
        self,
        *,
        db: Database,
        admins: frozenset[str],
        build: Callable[[Due, Any], Briefing],
        lease: timedelta = timedelta(minutes=10),
        pacer: ChannelPacer | None = None,
        retry_pauses: tuple[float, ...] = POST_RETRY_PAUSES,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.admins = admins
        self.build = build
        self.lease = lease
        self.pacer = pacer or ChannelPacer()
        self.retry_pauses = retry_pauses
        self.sleep = sleep
        self.monotonic = monotonic
        self.worker = worker_name()
        self.on_pause: Callable[[int], None] | None = None
        # When each tick's ``now`` was first seen (see ``clock``), and our bot's ID per token.
        self._anchors: dict[datetime, float] = {}
        self._bot_ids: dict[str, str] = {}
        self._guard = threading.Lock()

    def clock(self, now: datetime) -> datetime:
        """The current time on the tick's clock: ``now`` (when the tick started) plus the time
        since this process first saw that ``now``. A tick delivers its slots one after another
        for minutes, so a claim or a renewal must not be stamped with the tick's start. Whole
        seconds: a slot claimed in its tick's first second is stamped with the tick's time, so the
        retry pauses (whole minutes) still line up with the ticks."""
        with self._guard:
            anchor = self._anchors.get(now)
            if anchor is None:
                if len(self._anchors) >= 64:
                    del self._anchors[next(iter(self._anchors))]
                anchor = self._anchors[now] = self.monotonic()
        return now + timedelta(seconds=max(0, int(self.monotonic() - anchor)))

    def _mine(self, claim: Claim) -> Any:
        """The row as this attempt claimed it: nobody has taken it over since."""
        return and_(
            Delivery.id == claim.delivery_id,
            Delivery.status == "claimed",
            Delivery.claimed_by == self.worker,
            Delivery.attempts == claim.attempts,
        )

    def renew(self, claim: Claim, due: Due, now: datetime) -> None:
        """Extend the lease before posting again; ``ClaimLost`` if another process has the slot."""
        with self.db.session() as session:
            kept = session.execute(
                update(Delivery)
                .where(self._mine(claim))
                .values(claimed_at=self.clock(now))
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
        if kept is None:
            raise ClaimLost(
                f"slot {due.scheduled_for.isoformat()} of subscription {due.subscription_id} was "
                "taken over by another process"
            )

    # ------------------------------------------------------------------ claims
    def claim(self, due: Due, now: datetime) -> Claim | None:
        """Claim the slot at ``now`` (the claim time, stored as ``claimed_at``): a ``Claim``
        when this process may post it, else None.

        A re-claim reads the row, then updates it only if nobody changed it meanwhile (same state,
        same attempt count), so the previous attempt's claim time is known exactly."""
        started = self.monotonic()
        with self.db.session() as session:
            stmt = (
                self.db.insert(Delivery)
                .values(
                    subscription_id=due.subscription_id,
                    scheduled_for=due.scheduled_for,
                    status="claimed",
                    claimed_by=self.worker,
                    claimed_at=now,
                    attempts=1,
                    channel_id=due.channel_id,
                )
                .on_conflict_do_nothing(index_elements=["subscription_id", "scheduled_for"])
                .returning(Delivery.id)
            )
            claimed = session.execute(stmt).scalar_one_or_none()
            if claimed is not None:
                return Claim(claimed, now, started=started)
            row = session.execute(
                select(Delivery.id, Delivery.status, Delivery.claimed_at, Delivery.attempts).where(
                    Delivery.subscription_id == due.subscription_id,
                    Delivery.scheduled_for == due.scheduled_for,
                )
            ).one_or_none()
            if row is None:
                return None
            retake = (
                update(Delivery)
                .where(
                    Delivery.id == row.id,
                    Delivery.status == row.status,
                    Delivery.attempts == row.attempts,
                    or_(
                        Delivery.status == "failed",
                        and_(Delivery.status == "claimed", Delivery.claimed_at < now - self.lease),
                    ),
                )
                .values(
                    status="claimed",
                    claimed_by=self.worker,
                    claimed_at=now,
                    attempts=Delivery.attempts + 1,
                    channel_id=due.channel_id,
                )
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
            won = session.execute(retake).scalar_one_or_none()
            if won is None:
                return None
            return Claim(won, now, attempts=row.attempts + 1, previous_at=row.claimed_at, started=started)

    def _finish(
        self, claim: Claim, due: Due, *, status: str, ts: str | None, story_ids: list[int], now: datetime
    ) -> bool:
        delivery_id = claim.delivery_id
        with self.db.session() as session:
            done = session.execute(
                update(Delivery)
                .where(self._mine(claim))
                .values(status=status, message_ts=ts, sent_at=now, error=None)
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
            if story_ids:
                session.execute(
                    self.db.insert(DeliveredStory)
                    .values(
                        [
                            {
                                "channel_id": due.channel_id,
                                "story_id": sid,
                                "delivery_id": delivery_id,
                                "delivered_at": now,
                            }
                            for sid in story_ids
                        ]
                    )
                    .on_conflict_do_nothing(index_elements=["channel_id", "story_id"])
                )
            if status == "sent":
                session.execute(
                    update(Subscription)
                    .where(Subscription.id == due.subscription_id)
                    .values(cert_rotation=Subscription.cert_rotation + 1)
                    .execution_options(synchronize_session=False)
                )
        if not done:
            log.warning(
                "slot %s of subscription %s was taken over while this process posted it (ts %s)",
                due.scheduled_for.isoformat(),
                due.subscription_id,
                ts,
            )
        return done is not None

    def _fail(self, claim: Claim, error: str) -> None:
        with self.db.session() as session:
            session.execute(
                update(Delivery)
                .where(self._mine(claim))
                .values(status="failed", error=error[:2000])
                .execution_options(synchronize_session=False)
            )

    # ------------------------------------------------------------------ the whole slot
    def deliver(self, client: WebClient, due: Due, now: datetime, *, cache: Any = None) -> SlotOutcome:
        """Claim, build, post and record one slot. Never raises (a database error included): the
        slot is left ``failed`` (or ``claimed``, when even that cannot be written) for a retry."""
        claim: Claim | None = None
        try:
            claim = self.claim(due, self.clock(now))
            if claim is None:
                return _outcome(due, "busy")
            return self._deliver(client, due, claim, now, cache)
        except ClaimLost as exc:
            log.warning("%s while this process delivered it: left to that process", exc)
            return _outcome(due, "busy", error="taken over")
        except Exception as exc:  # the database, mostly: the tick's other slots go on
            log.exception("delivering %s briefing to %s failed", due.department, due.channel_id)
            error = _describe(exc)
            if claim is not None:
                try:
                    self._fail(claim, error)
                except Exception:
                    log.exception("could not record the failure; the claim expires with its lease")
            return _outcome(due, "failed", error=error)

    def _deliver(self, client: WebClient, due: Due, claim: Claim, now: datetime, cache: Any) -> SlotOutcome:
        key = delivery_key(due)
        # Retries stop at half the lease, so the lease outlives the post even without renewals.
        deadline = claim.started + self.lease.total_seconds() / 2
        if claim.previous_at is not None:
            found = self.find_posted(client, due, key)
            if found is not None:
                found_ts, found_ids = found
                if not self._finish(claim, due, status="sent", ts=found_ts, story_ids=found_ids, now=now):
                    return _outcome(due, "busy", error="taken over")
                log.info(
                    "the %s briefing for %s due %s was already posted (ts %s) by an attempt that "
                    "did not record it: recorded, not posted again",
                    due.department,
                    due.channel_id,
                    due.scheduled_for.isoformat(),
                    found_ts,
                )
                return _outcome(due, "sent", message_ts=found_ts, stories=len(found_ids), recovered=True)
        try:
            briefing = self.build(due, cache)
            story_ids = [i for s in briefing.stories for i in s.story_ids]
            if briefing.quiet and due.quiet_mode == "skip":
                self._finish(claim, due, status="quiet", ts=None, story_ids=[], now=now)
                log.info("quiet week for %s in %s: nothing posted", due.department, due.channel_id)
                return _outcome(due, "quiet")
            message = render_blocks(briefing)
            with self.pacer.turn(due.channel_id):
                posted = self.post(
                    client,
                    due,
                    key,
                    claim=claim,
                    now=now,
                    deadline=deadline,
                    text=message.text,
                    blocks=message.blocks,
                    story_ids=story_ids,
                )
        except ClaimLost:
            raise
        except SlackApiError as exc:
            error = _describe(exc)
            if error in PAUSE_ERRORS:
                self._fail(claim, error)
                self.pause(client, due, error, now)
                return _outcome(due, "paused", error=error)
            log.warning("posting %s briefing to %s failed: %s", due.department, due.channel_id, error)
            self._fail(claim, error)
            return _outcome(due, "failed", error=error)
        except Exception as exc:  # a timeout, a bug in a data pack...: retry later, never lose the slot
            log.exception("delivering %s briefing to %s failed", due.department, due.channel_id)
            error = _describe(exc)
            self._fail(claim, error)
            return _outcome(due, "failed", error=error)
        ts, recovered = posted
        self._finish(claim, due, status="sent", ts=ts, story_ids=story_ids, now=now)
        log.info(
            "%s %s briefing to %s (%d stories, ts %s)",
            "Slack took, without answering, the" if recovered else "posted",
            due.department,
            due.channel_id,
            len(story_ids),
            ts,
        )
        return _outcome(due, "sent", message_ts=ts, stories=len(story_ids), recovered=recovered)

    def post(
        self,
        client: WebClient,
        due: Due,
        key: str,
        *,
        claim: Claim,
        now: datetime,
        deadline: float,
        text: str,
        blocks: Any,
        story_ids: list[int],
    ) -> tuple[str | None, bool]:
        """Post the slot's message once: ``(ts, found)``, ``found`` when an answer was lost and
        the message was then found in the channel (searched from the claim time).

        Every post but a first claim's first one renews the claim first (``ClaimLost`` when
        another process has taken the slot over); once any answer was lost, every re-post is
        preceded by a search. Raises the last failure when the retries run out or the next one
        would end after ``deadline`` (a ``monotonic`` reading), or at once for an answer Slack
        gave."""
        poster = posting_client(client)
        pauses = iter(self.retry_pauses)
        renew = claim.previous_at is not None
        lost_answer = False
        while True:
            if renew:
                self.renew(claim, due, now)
            renew = True
            try:
                response = poster.chat_postMessage(
                    channel=due.channel_id,
                    text=text,
                    blocks=blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={
                        "event_type": EVENT_TYPE,
                        "event_payload": {"delivery_key": key, "story_ids": story_ids},
                    },
                )
                return response.get("ts"), False
            except Exception as exc:
                last = exc
                failure = post_failure(exc)
                pause = next(pauses, None)
                if failure is None or pause is None or self.monotonic() + pause > deadline:
                    raise
                lost_answer = lost_answer or failure == AMBIGUOUS
                why = _describe(exc)
                if isinstance(exc, SlackApiError):
                    why += f", HTTP {exc.response.status_code}"
            log.warning(
                "posting the %s briefing to %s failed (%s, %s); %s in %g s",
                due.department,
                due.channel_id,
                why,
                failure,
                "looking for it in the channel" if lost_answer else "retrying",
                pause,
            )
            self.sleep(pause)
            if not lost_answer:
                continue
            found, reason = self._search(client, due.channel_id, key, oldest=claim.at - HISTORY_MARGIN)
            if found is not None:
                return found[0], True
            if reason is not None:
                _warn_posting_again(due, "Slack took", reason, " before its answer was lost")
            if self.monotonic() > deadline:  # the search waited on rate limits
                raise last

    # ------------------------------------------------------------------ earlier attempts
    def find_posted(self, client: WebClient, due: Due, key: str) -> tuple[str, list[int]] | None:
        """The ``ts`` and story IDs of the slot's message if an earlier attempt posted it, else
        None. Searched from the slot's time: no attempt claims a slot before it is due, and the
        attempt that posted may be older than the one just taken over. None, with a warning, when
        the history cannot be read: the caller posts again rather than lose the briefing."""
        found, reason = self._search(client, due.channel_id, key, oldest=due.scheduled_for - HISTORY_MARGIN)
        if reason is None:
            return None if found is None else (found[0], self._known_stories(found[1]))
        _warn_posting_again(due, "an earlier attempt posted", reason)
        return None

    def _known_stories(self, ids: Any) -> list[int]:
        """The story IDs of a found message's metadata that still exist (memory refers to them)."""
        if not isinstance(ids, list):
            return []
        wanted = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})
        if not wanted:
            return []
        with self.db.read() as session:
            return sorted(session.scalars(select(Story.id).where(Story.id.in_(wanted))))

    def bot_id(self, client: WebClient) -> str | None:
        """Our bot's ID (``auth.test``, asked once per token): only its messages count as a
        slot's post, or any app could suppress a briefing by posting our metadata. None, with a
        warning, when Slack does not say: then any message with the key counts."""
        token = client.token or ""
        with self._guard:
            known = self._bot_ids.get(token)
        if known is not None:
            return known
        try:
            found = client.auth_test().get("bot_id")
        except Exception as exc:
            log.warning(
                "auth.test failed (%s): a message of any app carrying a slot's key counts as posted",
                _describe(exc),
            )
            return None
        if not isinstance(found, str) or not found:
            log.warning("auth.test named no bot_id: a message of any app carrying a slot's key counts")
            return None
        with self._guard:
            self._bot_ids[token] = found
        return found

    def _search(
        self, client: WebClient, channel: str, key: str, *, oldest: datetime
    ) -> tuple[tuple[str, Any] | None, str | None]:
        """``_scan_history`` for our bot's messages that never raises: (found, None), or (None,
        why the history could not be read)."""
        try:
            return _scan_history(client, channel, key, oldest=oldest, bot_id=self.bot_id(client)), None
        except _HistoryTooLong as exc:
            return None, str(exc)
        except Exception as exc:  # Slack unreachable, missing_scope...: the caller decides what next
            return None, _describe(exc)

    # ------------------------------------------------------------------ pausing
    def pause(self, client: WebClient, due: Due, error: str, now: datetime) -> None:
        """Pause the subscription (audited) and tell the admins and the subscriber by DM."""
        with self.db.session() as session:
            sub = session.get(Subscription, due.subscription_id)
            if sub is None or sub.status not in (ACTIVE, PAUSED, "manual"):
                return
            reason = f"Slack answered {error} on {now:%Y-%m-%d %H:%M} UTC"
            set_status(session, sub, PAUSED, reason, Actor.system())
        if self.on_pause is not None:
            self.on_pause(due.subscription_id)
        log.warning(
            "paused subscription %s (%s in %s): %s",
            due.subscription_id,
            due.department,
            due.channel_id,
            error,
        )
        self.notify_admins(client, pause_message(due, error), extra=due.created_by)

    def notify_admins(self, client: WebClient, text: str, *, extra: str | None = None) -> int:
        """DM every admin (and ``extra`` when it is a Slack user ID); returns how many were told."""
        people = sorted(self.admins | ({extra} if extra and extra[:1] in ("U", "W") else set()))
        if not people:
            log.warning("no admins to tell (set BRIEFBOT_ADMINS): %s", text)
            return 0
        told = 0
        for user in people:
            try:
                opened = client.conversations_open(users=user)
                channel = (opened.get("channel") or {}).get("id")
                if not channel:
                    continue
                with self.pacer.turn(channel):
                    client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
                told += 1
            except SlackApiError as exc:
                log.warning("could not DM %s: %s", user, exc.response.get("error"))
            except Exception:  # an unreachable Slack must not break the delivery loop
                log.exception("could not DM %s", user)
        return told


def _outcome(due: Due, status: str, **kw: Any) -> SlotOutcome:
    return SlotOutcome(due.subscription_id, due.channel_id, due.department, due.scheduled_for, status, **kw)


def _warn_posting_again(due: Due, what: str, reason: str, when: str = "") -> None:
    """The channel history could not be read, so the slot is posted again: say why."""
    log.warning(
        "could not check whether %s the %s briefing for %s due %s%s (%s); posting it again%s",
        what,
        due.department,
        due.channel_id,
        due.scheduled_for.isoformat(),
        when,
        reason,
        _SCOPE_HINT if reason == "missing_scope" else "",
    )


class _HistoryTooLong(Exception):
    """More messages since the earlier attempt than we page through."""


_SCOPE_HINT = " (the app needs the channels:history and groups:history scopes)"


def _describe(exc: BaseException) -> str:
    """A failure in a log line or a slot's error: Slack's error code, else the exception."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    return f"{type(exc).__name__}: {exc}"


def _scan_history(
    client: WebClient, channel: str, key: str, *, oldest: datetime, bot_id: str | None
) -> tuple[str, Any] | None:
    """(ts, story IDs from the metadata) of the channel's message carrying ``key``, posted by
    ``bot_id`` (any bot when None), newest first since ``oldest``; None when there is none.
    Raises what the Web API raises."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(
            channel=channel,
            oldest=slack_ts(oldest),
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor,
        )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if bot_id is not None and message.get("bot_id") != bot_id:
                continue
            if metadata.get("event_type") == EVENT_TYPE and payload.get("delivery_key") == key:
                return str(message["ts"]), payload.get("story_ids")
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    raise _HistoryTooLong(f"more than {HISTORY_PAGES * HISTORY_PAGE} messages since the earlier attempt")


def pause_message(due: Due, error: str) -> str:
    """The DM admins get when Slack refuses a channel."""
    why = {
        "not_in_channel": "I am not a member of the channel",
        "channel_not_found": "Slack cannot find the channel (deleted, or private without me)",
        "is_archived": "the channel is archived",
    }.get(error, error)
    return (
        f":warning: I paused the *{due.department}* briefing for <#{due.channel_id}> "
        f"(subscription {due.subscription_id}): Slack answered `{error}`, {why}. "
        f"Nothing is lost: the stories wait for the next briefing.\n"
        f"To fix it, invite me (`/invite @briefbot`) and run `/ai-brief subscribe {due.department}` "
        f"in the channel, or `briefbot subscriptions resume {due.subscription_id}`. "
        f"If the channel is gone: `briefbot subscriptions unsubscribe {due.subscription_id}`."
    )


def done_slots(db: Database, keys: list[tuple[int, datetime]]) -> dict[tuple[int, datetime], Any]:
    """The delivery rows (status, claimed_at, attempts, error) for ``keys``."""
    if not keys:
        return {}
    out: dict[tuple[int, datetime], Any] = {}
    ids = sorted({k[0] for k in keys})
    oldest = min(k[1] for k in keys)
    wanted = set(keys)
    with db.read() as session:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = session.execute(
                select(
                    Delivery.subscription_id,
                    Delivery.scheduled_for,
                    Delivery.status,
                    Delivery.claimed_at,
                    Delivery.attempts,
                    Delivery.error,
                ).where(Delivery.subscription_id.in_(chunk), Delivery.scheduled_for >= oldest)
            )
            for row in rows:
                key = (row[0], row[1])
                if key in wanted:
                    out[key] = row
    return out
