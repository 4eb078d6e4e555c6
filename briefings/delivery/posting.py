"""One briefing post with its own retry policy (see the package docstring: *not sent* vs
*ambiguous* failures, and the search before a re-post once an answer was lost)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from briefings.delivery.port import BriefingSink, FailureKind, Outgoing, Unreadable
from briefings.slots.slot import Due

log = logging.getLogger(__name__)

# Pauses before each retry of a briefing post that failed without an answer (or with a 5xx); an
# ambiguous failure's search comes after the pause, when the door has finished with the call.
POST_RETRY_PAUSES = (1.0, 4.0)


def warn_posting_again(due: Due, what: str, unreadable: Unreadable, when: str = "") -> None:
    """The destination's history could not be read, so the slot is posted again: say why."""
    log.warning(
        "could not check whether %s the %s briefing for %s due %s%s (%s); posting it again%s",
        what,
        due.department,
        due.channel_id,
        due.scheduled_for.isoformat(),
        when,
        unreadable.reason,
        unreadable.hint,
    )


@dataclass
class Poster:
    """Posts one slot's message. ``renew`` extends the claim (raising ``ClaimLost`` when the slot
    was taken over); ``search`` looks for the message at its destination: its ID when found, why
    not readable, or None when not there. ``deadline`` is a ``monotonic`` reading past which no
    retry starts."""

    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    pauses: tuple[float, ...]
    deadline: float
    renew: Callable[[], None]
    search: Callable[[], str | Unreadable | None]

    def post(
        self, sink: BriefingSink, due: Due, message: Outgoing, *, first: bool
    ) -> tuple[str | None, bool]:
        """Post once: ``(id, found)``, ``found`` when an answer was lost and the message was then
        found at its destination. Every post but a first claim's first one (``first``) renews the
        claim first; once any answer was lost, every re-post is preceded by a search. Raises the
        last failure when the retries run out or the next would end after the deadline, or at
        once for an answer the door gave."""
        pauses = iter(self.pauses)
        renew, lost_answer = not first, False
        while True:
            if renew:
                self.renew()
            renew = True
            try:
                return sink.post(due.channel_id, message), False
            except Exception as exc:
                last, failure, pause = exc, sink.classify(exc), next(pauses, None)
                kind = failure.kind
                if kind not in (FailureKind.NOT_SENT, FailureKind.AMBIGUOUS) or pause is None:
                    raise
                if self.monotonic() + pause > self.deadline:
                    raise
                lost_answer = lost_answer or kind == FailureKind.AMBIGUOUS
                status = failure.status
                why = failure.error + (f", HTTP {status}" if status is not None else "")
            log.warning(
                "posting the %s briefing to %s failed (%s, %s); %s in %g s",
                due.department,
                due.channel_id,
                why,
                kind,
                "looking for it in the channel" if lost_answer else "retrying",
                pause,
            )
            self.sleep(pause)
            if not lost_answer:
                continue
            found = self.search()
            if isinstance(found, str):
                return found, True
            if found is not None:
                warn_posting_again(due, "Slack took", found, " before its answer was lost")
            if self.monotonic() > self.deadline:  # the search waited on rate limits
                raise last
