"""Slow work after the ack, on a bounded pool of its own.

Bolt runs a listener on its listener executor and sends the HTTP response (or the Socket Mode
ack) once ``ack()`` is called, but the listener keeps its thread until it returns. Feed fetches
and Slack calls that may be retried therefore held the threads that every other user's ack
needed: sixteen hanging ``/ai-feeds test`` calls starved the whole workspace. Bolt's lazy
listeners run on that same executor, so they do not help. Here the ack path only parses, reads
cheaply and acks; what can wait is handed to ``SlowWork``, whose queue is bounded so a flood is
answered "busy" instead of piling up or being dropped silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, Respond

from foundation.errors import BriefbotError

BUSY = ":hourglass: I'm busy with other requests right now; please try again in a minute."
FAILED = "Sorry, something went wrong while handling that. It has been logged; please try again in a minute."

SLOW_WORKERS = 8
SLOW_QUEUE = 64

log = logging.getLogger(__name__)


class SlowWork:
    """A thread pool with a bounded queue: ``workers`` run at once, ``queue`` more may wait.

    Thread-safe. ``after_ack`` never blocks: when every slot is taken the user is acked with
    ``BUSY`` and the work is not started.
    """

    def __init__(self, *, workers: int = SLOW_WORKERS, queue: int = SLOW_QUEUE) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slow-work")
        self._slots = threading.BoundedSemaphore(workers + queue)

    def __deepcopy__(self, memo: dict[int, Any]) -> SlowWork:
        # Bolt deep-copies the context for lazy listeners: share the pool, never copy it.
        return self

    def after_ack(
        self,
        ack: Ack,
        respond: Respond,
        work: Callable[[], None],
        *,
        text: str | None = None,
        logger: logging.Logger = log,
    ) -> bool:
        """Ack (with ``text`` if given), then run ``work`` on the pool; False if it was full.

        A ``BriefbotError`` from ``work`` reaches the user as its message; anything else is
        logged and the user is told something went wrong, never shown a traceback.
        """
        if not self._slots.acquire(blocking=False):
            logger.warning("slow-work queue full: told the user to try again")
            ack(text=BUSY, response_type="ephemeral")
            return False
        try:
            if text:
                ack(text=text, response_type="ephemeral")
            else:
                ack()
            self._pool.submit(self._run, respond, work, logger)
        except BaseException:
            self._slots.release()
            raise
        return True

    def _run(self, respond: Respond, work: Callable[[], None], logger: logging.Logger) -> None:
        try:
            work()
        except BriefbotError as exc:
            _tell(respond, str(exc), logger)
        except Exception:
            logger.exception("slow work failed")
            _tell(respond, FAILED, logger)
        finally:
            self._slots.release()

    def shutdown(self) -> None:
        """Stop taking work; running jobs finish on their own (their fetches have deadlines)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _tell(respond: Respond, text: str, logger: logging.Logger) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:  # the response URL may have expired; nothing more to do
        logger.warning("could not tell the user about a failed request")
