"""Slow work after the ack, on a bounded pool of its own that is fair between users.

Bolt runs a listener on its listener executor and sends the HTTP response (or the Socket Mode
ack) once ``ack()`` is called, but the listener keeps its thread until it returns. Feed fetches
and Slack calls that may be retried (a 429's ``Retry-After`` can be a minute) therefore held the
threads that every other user's ack needed: sixteen hanging ``/ai-feeds test`` calls, or sixteen
votes during a ``chat.postEphemeral`` 429 storm, starved the whole workspace. Bolt's lazy
listeners run on that same executor, so they do not help. Here every listener only parses, reads
cheaply and acks; what can wait is handed to ``SlowWork``.

Fairness: one person's flood must delay only that person. Each user may have ``per_user`` jobs
running at once; the workers take the next job round-robin between users with work waiting, so a
second user's request starts as soon as any worker is free, however many the first one queued.
The queue is bounded (in total and per user), so a flood is answered "busy" instead of piling up
or being dropped silently, and a request that must wait behind the same user's others says so.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, Respond

from foundation.errors import BriefbotError

BUSY = ":hourglass: I'm busy with other requests right now; please try again in a minute."
FAILED = "Sorry, something went wrong while handling that. It has been logged; please try again in a minute."
QUEUED = ":hourglass: Queued behind your other requests; I'll answer here when it's your turn."

SLOW_WORKERS = 8
SLOW_QUEUE = 64
PER_USER_RUNNING = 2
PER_USER_WAITING = 30

log = logging.getLogger(__name__)

# Told the user-facing reason when work fails (a BriefbotError's message, or FAILED).
OnError = Callable[[str], None]


@dataclass(eq=False)
class Ticket:
    """A reserved place in the pool for one job of ``user``.

    ``behind_own``: the job will wait because the same user already has ``per_user`` jobs running
    or waiting (its ack should say so).
    """

    user: str
    behind_own: bool
    work: Callable[[], object] | None = field(default=None, repr=False)
    on_error: OnError | None = field(default=None, repr=False)
    logger: logging.Logger = field(default=log, repr=False)


class SlowWork:
    """Worker threads taking jobs round-robin between users, at most ``per_user`` running per user.

    Thread-safe. Reserving never blocks: when ``workers + queue`` jobs are already reserved, or
    the user has ``per_user_waiting`` jobs waiting, ``reserve`` returns None and the caller answers
    ``BUSY``.
    """

    def __init__(
        self,
        *,
        workers: int = SLOW_WORKERS,
        queue: int = SLOW_QUEUE,
        per_user: int = PER_USER_RUNNING,
        per_user_waiting: int = PER_USER_WAITING,
    ) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.per_user = per_user
        self.per_user_waiting = per_user_waiting
        self._cond = threading.Condition()
        self._waiting: dict[str, deque[Ticket]] = {}  # insertion order is the round-robin order
        self._running: Counter[str] = Counter()
        self._reserved: Counter[str] = Counter()  # reserved, waiting or running, per user
        self._total = 0
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._stopped = False

    def __deepcopy__(self, memo: dict[int, Any]) -> SlowWork:
        # Bolt deep-copies the context for lazy listeners: share the pool, never copy it.
        return self

    def reserve(self, user: str) -> Ticket | None:
        """A place for one job of ``user``, or None when the pool (or the user's share) is full."""
        with self._cond:
            if self._stopped or self._total >= self.capacity:
                return None
            mine = self._reserved[user]
            if mine >= self.per_user + self.per_user_waiting:
                return None
            self._reserved[user] += 1
            self._total += 1
            return Ticket(user=user, behind_own=mine >= self.per_user)

    def release(self, ticket: Ticket) -> None:
        """Give back a reservation whose job will not be started (its ack failed)."""
        with self._cond:
            self._forget(ticket.user)

    def start(
        self,
        ticket: Ticket,
        work: Callable[[], object],
        *,
        on_error: OnError | None = None,
        logger: logging.Logger = log,
    ) -> None:
        """Queue ``work`` on its reserved place; it runs when a worker and the user's share allow.

        A ``BriefbotError`` reaches ``on_error`` as its message; anything else is logged and
        ``on_error`` gets ``FAILED``: never a traceback.
        """
        ticket.work, ticket.on_error, ticket.logger = work, on_error, logger
        with self._cond:
            if self._stopped:
                self._forget(ticket.user)
                return
            self._waiting.setdefault(ticket.user, deque()).append(ticket)
            if self._idle == 0 and len(self._threads) < self.workers:
                thread = threading.Thread(
                    target=self._worker, name=f"slow-work-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._cond.notify()

    def submit(
        self,
        user: str,
        work: Callable[[], object],
        *,
        on_error: OnError | None = None,
        logger: logging.Logger = log,
    ) -> bool:
        """Reserve and start in one step (the ack has been sent already); False when full."""
        ticket = self.reserve(user)
        if ticket is None:
            logger.warning("slow-work queue full: dropped work for %s", user or "an unknown user")
            return False
        self.start(ticket, work, on_error=on_error, logger=logger)
        return True

    def after_ack(
        self,
        ack: Ack,
        respond: Respond,
        work: Callable[[], object],
        *,
        user: str = "",
        text: str | None = None,
        logger: logging.Logger = log,
    ) -> bool:
        """Ack (with ``text`` if given), then run ``work`` on the pool; False if it was full.

        The ack says ``BUSY`` when the pool is full, and that the request is queued when it must
        wait behind the same user's other requests. Errors reach the user through ``respond``.
        """
        ticket = self.reserve(user)
        if ticket is None:
            logger.warning("slow-work queue full: told %s to try again", user or "the user")
            ack(text=BUSY, response_type="ephemeral")
            return False
        if ticket.behind_own:
            text = f"{text}\n{QUEUED}" if text else QUEUED
        try:
            if text:
                ack(text=text, response_type="ephemeral")
            else:
                ack()
        except BaseException:
            self.release(ticket)
            raise
        self.start(ticket, work, on_error=lambda message: _tell(respond, message, logger), logger=logger)
        return True

    def shutdown(self, *, wait_seconds: float = 0.0) -> None:
        """Stop taking work and drop what waits; running jobs finish on their own (their fetches
        have deadlines), waited for up to ``wait_seconds``."""
        with self._cond:
            self._stopped = True
            for tickets in self._waiting.values():
                for ticket in tickets:
                    self._forget(ticket.user)
            self._waiting.clear()
            self._cond.notify_all()
            if wait_seconds > 0:
                self._cond.wait_for(lambda: not self._running, timeout=wait_seconds)

    def _forget(self, user: str) -> None:
        self._total -= 1
        self._reserved[user] -= 1
        if self._reserved[user] <= 0:
            del self._reserved[user]

    def _next(self) -> Ticket | None:
        for user in list(self._waiting):
            if self._running[user] >= self.per_user:
                continue
            tickets = self._waiting.pop(user)
            ticket = tickets.popleft()
            if tickets:  # back of the line: the next job goes to someone else first
                self._waiting[user] = tickets
            self._running[user] += 1
            return ticket
        return None

    def _worker(self) -> None:
        while True:
            with self._cond:
                ticket = self._next()
                while ticket is None:
                    if self._stopped:
                        return
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
                    ticket = self._next()
            try:
                self._run(ticket)
            finally:
                with self._cond:
                    self._running[ticket.user] -= 1
                    if self._running[ticket.user] <= 0:
                        del self._running[ticket.user]
                    self._forget(ticket.user)
                    self._cond.notify_all()

    @staticmethod
    def _run(ticket: Ticket) -> None:
        logger = ticket.logger
        try:
            if ticket.work is not None:
                ticket.work()
        except BriefbotError as exc:
            if ticket.on_error is not None:
                ticket.on_error(str(exc))
            else:
                logger.info("slow work refused: %s", exc)
        except Exception:
            logger.exception("slow work failed")
            if ticket.on_error is not None:
                ticket.on_error(FAILED)


def _tell(respond: Respond, text: str, logger: logging.Logger) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:  # the response URL may have expired; nothing more to do
        logger.warning("could not tell the user about a failed request")
