"""One briefing post with its own retry policy (see the package docstring: *not sent* vs
*ambiguous* failures, and the history search before a re-post once an answer was lost)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from briefings.delivery import sink
from briefings.delivery.history import EVENT_TYPE, warn_posting_again
from briefings.delivery.sink import AMBIGUOUS, SlackSink, describe, http_status, post_failure
from briefings.delivery.slots import Due

log = logging.getLogger(__name__)

# Pauses before each retry of a briefing post that failed without an answer (or with a 5xx); an
# ambiguous failure's history search comes after the pause, when Slack has finished with the call.
POST_RETRY_PAUSES = (1.0, 4.0)


@dataclass(frozen=True)
class Message:
    """What one slot posts: Block Kit, fallback text, the slot's key and its story IDs."""

    key: str
    text: str
    blocks: Any
    story_ids: list[int]


@dataclass
class Poster:
    """Posts one slot's message. ``renew`` extends the claim (raising ``ClaimLost`` when the slot
    was taken over); ``search`` looks for the message in the channel: (ts, None) when found,
    (None, why not readable) or (None, None) when not there. ``deadline`` is a ``monotonic``
    reading past which no retry starts."""

    sleep: Callable[[float], None]
    monotonic: Callable[[], float]
    pauses: tuple[float, ...]
    deadline: float
    renew: Callable[[], None]
    search: Callable[[], tuple[str | None, str | None]]

    def post(self, client: SlackSink, due: Due, message: Message, *, first: bool) -> tuple[str | None, bool]:
        """Post once: ``(ts, found)``, ``found`` when an answer was lost and the message was then
        found in the channel. Every post but a first claim's first one (``first``) renews the
        claim first; once any answer was lost, every re-post is preceded by a search. Raises the
        last failure when the retries run out or the next would end after the deadline, or at
        once for an answer Slack gave."""
        poster = sink.posting_client(client)
        pauses = iter(self.pauses)
        renew, lost_answer = not first, False
        while True:
            if renew:
                self.renew()
            renew = True
            try:
                return self._send(poster, due, message), False
            except Exception as exc:
                last, failure, pause = exc, post_failure(exc), next(pauses, None)
                if failure is None or pause is None or self.monotonic() + pause > self.deadline:
                    raise
                lost_answer = lost_answer or failure == AMBIGUOUS
                status = http_status(exc)
                why = describe(exc) + (f", HTTP {status}" if status is not None else "")
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
            found, reason = self.search()
            if found is not None:
                return found, True
            if reason is not None:
                warn_posting_again(due, "Slack took", reason, " before its answer was lost")
            if self.monotonic() > self.deadline:  # the search waited on rate limits
                raise last

    @staticmethod
    def _send(poster: SlackSink, due: Due, message: Message) -> str | None:
        response = poster.chat_postMessage(
            channel=due.channel_id,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {"delivery_key": message.key, "story_ids": message.story_ids},
            },
        )
        ts = response.get("ts")
        return str(ts) if ts is not None else None
