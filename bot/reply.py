"""Answer a slash command in its ack when the work is quick, else via response_url.

Lookups take milliseconds, so the answer normally travels in the ack itself. If the database is
slow, a watchdog acks with "Looking that up…" before Slack's 3-second limit and the answer
follows via ``response_url``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from foundation.errors import BriefbotError

# Answer inside the ack when the lookup finishes within this budget (Slack allows 3 s).
ANSWER_BUDGET_SECONDS = 1.5
# After a slow ack, when to tell the user the lookup failed if it still has not finished.
LATE_ANSWER_SECONDS = 25.0
LOOKING = "Looking that up…"
LOOKUP_FAILED = (
    "Sorry, I couldn't look that up just now. The problem has been logged; please try again in a minute."
)

Message = dict[str, Any]


class Watchdog:
    """One thread that runs callbacks whose deadline has passed.

    Lookups run in the listener's own thread (no hand-off on the fast path); the watchdog only
    steps in for the rare slow one, without a timer thread per request.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> int:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lookup-watchdog", daemon=True)
                self._thread.start()
            handle = next(self._ids)
            heapq.heappush(self._heap, (time.monotonic() + delay, handle, callback))
            self._cond.notify()
            return handle

    def cancel(self, handle: int) -> None:
        with self._cond:
            self._cancelled.add(handle)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                _deadline, handle, callback = heapq.heappop(self._heap)
                if handle in self._cancelled:
                    self._cancelled.discard(handle)
                    continue
            try:
                callback()
            except Exception:  # a failed placeholder must not stop the watchdog
                logging.getLogger(__name__).exception("watchdog callback failed")


_watchdog = Watchdog()

# Lookups are pure CPU under one interpreter lock: run a few at a time, first come first served,
# rather than all at once. Sixteen lookups sharing the lock each take sixteen times as long, so
# a heavy question finished last; queued, each takes its own few milliseconds after those ahead
# (bench/lookups.py: p99 311 -> 221 ms at 50 concurrent clients). Threads waiting here block
# nothing else: Slack calls and slow commands never take a slot.
LOOKUP_SLOTS = 2


class FairSlots:
    """A counting semaphore that serves waiters strictly in arrival order.

    ``threading.Semaphore`` lets a newly arriving thread take a freed slot before the waiter
    that was woken for it, so under load some lookups starve for seconds. Here a freed slot is
    handed to the longest waiter directly.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # the slot was handed over by __exit__

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._free += 1


_lookup_slots = FairSlots(LOOKUP_SLOTS)


def _safe(work: Callable[[], Message], logger: logging.Logger) -> Message:
    try:
        return work()
    except BriefbotError as exc:
        return {"text": str(exc)}
    except Exception:
        logger.exception("lookup failed")
        return {"text": LOOKUP_FAILED}


def reply_within_budget(
    ack: Ack,
    respond: Respond,
    work: Callable[[], Message],
    logger: logging.Logger,
    *,
    budget: float | None = None,
) -> None:
    """Ack with the answer if ``work`` is quick, else ack at once and answer via response_url.

    ``work`` returns message kwargs (``text``, ``blocks``). Failures become a friendly message;
    the user never sees a traceback and always gets an ephemeral reply.
    """
    budget = ANSWER_BUDGET_SECONDS if budget is None else budget
    lock = threading.Lock()
    state = {"acked": False, "done": False}

    def placeholder() -> None:
        with lock:
            if state["acked"]:
                return
            state["acked"] = True
        ack(text=LOOKING, response_type="ephemeral")

    def give_up() -> None:
        with lock:
            if state["done"]:
                return
        logger.error("lookup still running after %.0f s", budget + LATE_ANSWER_SECONDS)
        respond(text=LOOKUP_FAILED, response_type="ephemeral", replace_original=True)

    first = _watchdog.schedule(budget, placeholder)
    second = _watchdog.schedule(budget + LATE_ANSWER_SECONDS, give_up)
    with _lookup_slots:
        message = _safe(work, logger)
    _watchdog.cancel(first)
    _watchdog.cancel(second)
    with lock:
        late = state["acked"]
        state["acked"] = state["done"] = True
    if late:
        send_reply(respond, message.get("text", ""), message.get("blocks"), logger, replace_original=True)
    else:
        ack(**message, response_type="ephemeral")


# What Slack answers on a response URL when a reply is too big or malformed.
REFUSED_ERRORS = ("invalid_blocks", "msg_too_long", "too_many_blocks", "invalid_payload")
SHORT_FALLBACK_LIMIT = 1500


def send_reply(
    respond: Respond,
    text: str,
    blocks: list[dict[str, Any]] | None,
    logger: logging.Logger,
    *,
    response_type: str = "ephemeral",
    replace_original: bool = False,
) -> None:
    """Post a reply through ``respond``; if Slack refuses it, log why and send a short plain text.

    Listings are built to fit Slack's limits, so a refusal means a limit we do not know about: the
    user still gets the gist instead of nothing.
    """
    answer = respond(text=text, blocks=blocks, response_type=response_type, replace_original=replace_original)
    status, body = getattr(answer, "status_code", 200), str(getattr(answer, "body", "") or "")
    if status == 200 and not any(error in body for error in REFUSED_ERRORS):
        return
    logger.error("Slack refused a reply (HTTP %s): %s", status, body[:300])
    short = text if len(text) <= SHORT_FALLBACK_LIMIT else text[: SHORT_FALLBACK_LIMIT - 1] + "…"
    respond(text=short, response_type=response_type, replace_original=replace_original)
