"""Telling people when delivery cannot go on: pausing refused channels and DMing the admins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError

from briefings.delivery.pacing import ChannelPacer
from briefings.delivery.sink import SlackSink
from briefings.delivery.slots import PERSISTENT_ERRORS, Due
from briefings.subscriptions import INVITE
from briefings.subscriptions_store import SubscriptionsStore

log = logging.getLogger(__name__)

RETRIES_EXHAUSTED = "retries exhausted"


class Notices:
    """Pauses subscriptions Slack refused and DMs the admins about persistent failures, once per
    subscription and cause (until a briefing is posted again). Thread-safe."""

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
        self.on_pause: Callable[[int], None] | None = None

    def pause(self, client: SlackSink, due: Due, error: str, now: datetime) -> None:
        """Pause the subscription (audited; a one-off send's row is left alone) and tell the
        admins and the subscriber by DM."""
        reason = f"Slack answered {error} on {now:%Y-%m-%d %H:%M} UTC"
        self.subscriptions.record_failure(due.subscription_id, reason, error, now)
        if not self.subscriptions.pause_refused(due.subscription_id, reason):
            if not due.one_off:
                return  # gone meanwhile
        elif self.on_pause is not None:
            self.on_pause(due.subscription_id)
        log.warning(
            "%s subscription %s (%s in %s): %s",
            "a one-off send failed for" if due.one_off else "paused",
            due.subscription_id,
            due.department,
            due.channel_id,
            error,
        )
        self.notify_admins(client, pause_message(due, error), extra=due.created_by)

    def failed(
        self, client: SlackSink, due: Due, error: str, now: datetime, *, cause: str | None = None
    ) -> None:
        """Remember a failed attempt on the subscription (``/ai-brief status`` shows it); a
        persistent one (a dead token, or ``cause`` given: retries exhausted) DMs the admins the
        first time it happens."""
        cause = cause or (error if error in PERSISTENT_ERRORS else None)
        told = self.subscriptions.record_failure(due.subscription_id, error, cause, now)
        if cause is None or not told:
            return
        log.error(
            "the %s briefing for %s keeps failing (%s): telling the admins",
            due.department,
            due.channel_id,
            error,
        )
        self.notify_admins(client, failure_message(due, error, cause))

    def notify_admins(self, client: SlackSink, text: str, *, extra: str | None = None) -> int:
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
                with self.pacer().turn(channel):
                    client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
                told += 1
            except SlackApiError as exc:
                log.warning("could not DM %s: %s", user, exc.response.get("error"))
            except Exception:  # an unreachable Slack must not break the delivery loop
                log.exception("could not DM %s", user)
        return told


def pause_message(due: Due, error: str) -> str:
    """The DM admins get when Slack refuses a channel."""
    why = {
        "not_in_channel": "I am not a member of the channel",
        "channel_not_found": "Slack cannot find the channel (deleted, or private without me)",
        "is_archived": "the channel is archived",
    }.get(error, error)
    if due.one_off:
        return (
            f":warning: The one-off *{due.department}* briefing for <#{due.channel_id}> was not "
            f"posted: Slack answered `{error}`, {why}. Invite me (`{INVITE}`) and send it again."
        )
    return (
        f":warning: I paused the *{due.department}* briefing for <#{due.channel_id}> "
        f"(subscription {due.subscription_id}): Slack answered `{error}`, {why}. "
        f"Nothing is lost: the stories wait for the next briefing.\n"
        f"To fix it, invite me (`{INVITE}`) and run `/ai-brief resume {due.department}` in the channel. "
        f"If the channel is gone, remove the subscription from a terminal: "
        f"`briefbot subscriptions unsubscribe {due.subscription_id}`."
    )


def failure_message(due: Due, error: str, cause: str) -> str:
    """The DM admins get, once per cause, when a subscription's deliveries keep failing."""
    if cause == RETRIES_EXHAUSTED:
        what = f"I gave up on the slot due {due.scheduled_for:%Y-%m-%d %H:%M} UTC: {error}"
        fix = "Check `briefbot doctor`; the stories wait for the next briefing."
    else:
        what = f"Slack answered `{error}`: the bot token no longer works"
        fix = "Reinstall the app or set a new SLACK_BOT_TOKEN, then check with `briefbot doctor`."
    return (
        f":rotating_light: The *{due.department}* briefing for <#{due.channel_id}> "
        f"(subscription {due.subscription_id}) is failing. {what}. {fix} "
        "I will not repeat this message for the same cause until a briefing gets through."
    )
