"""Telling people when delivery cannot go on: pausing refused destinations and notifying the
admins, through the sink (which words the notices its own way)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from briefings.delivery.pacing import ChannelPacer
from briefings.delivery.port import BriefingSink, FailureKind, Notice
from briefings.slots.slot import Due
from briefings.subscriptions.store import SubscriptionsStore

log = logging.getLogger(__name__)


class Notices:
    """Pauses subscriptions the door refused and notifies the admins about persistent failures,
    once per subscription and cause (until a briefing is posted again). Thread-safe."""

    def __init__(
        self,
        *,
        subscriptions: SubscriptionsStore,
        admins: frozenset[str],
        pacer: Callable[[], ChannelPacer],
    ) -> None:
        self.subscriptions = subscriptions
        self.admins = admins
        self.pacer = pacer

    def pause(self, sink: BriefingSink, due: Due, error: str, now: datetime) -> None:
        """Pause the subscription (audited; a one-off send's row is left alone) and tell the
        admins and the subscriber."""
        reason = f"Slack answered {error} on {now:%Y-%m-%d %H:%M} UTC"
        self.subscriptions.record_failure(due.subscription_id, reason, error, now)
        if not self.subscriptions.pause_refused(due.subscription_id, reason) and not due.one_off:
            return  # gone meanwhile
        log.warning(
            "%s subscription %s (%s in %s): %s",
            "a one-off send failed for" if due.one_off else "paused",
            due.subscription_id,
            due.department,
            due.channel_id,
            error,
        )
        self.notify_admins(sink, Notice("paused", due, error), extra=due.created_by)

    def failed(
        self, sink: BriefingSink, due: Due, error: str, now: datetime, *, cause: str | None = None
    ) -> None:
        """Remember a failed attempt on the subscription (``/ai-brief status`` shows it); a
        persistent one (a dead token, or ``cause`` given: retries exhausted) notifies the admins
        the first time it happens."""
        cause = cause or (error if sink.kind_of(error) == FailureKind.PERSISTENT else None)
        told = self.subscriptions.record_failure(due.subscription_id, error, cause, now)
        if cause is None or not told:
            return
        log.error(
            "the %s briefing for %s keeps failing (%s): telling the admins",
            due.department,
            due.channel_id,
            error,
        )
        self.notify_admins(sink, Notice("failing", due, error, cause))

    def notify_admins(self, sink: BriefingSink, notice: Notice, *, extra: str | None = None) -> int:
        """Tell every admin (and ``extra`` when it names a person) privately; how many were told."""
        text = sink.words(notice)
        people = sorted(self.admins | ({extra} if extra and sink.is_person(extra) else set()))
        if not people:
            log.warning("no admins to tell (set BRIEFBOT_ADMINS): %s", text)
            return 0
        told = 0
        for user in people:
            try:
                channel = sink.direct(user)
                if not channel:
                    continue
                with self.pacer().turn(channel):
                    sink.say(channel, text)
                told += 1
            except Exception as exc:  # an unreachable door must not break the delivery loop
                failure = sink.classify(exc)
                if failure.answered:
                    log.warning("could not DM %s: %s", user, failure.error)
                else:
                    log.exception("could not DM %s", user)
        return told
