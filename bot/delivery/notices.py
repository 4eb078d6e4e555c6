"""What Slack users are told when delivery cannot go on (Slack mrkdwn: channel links, commands)."""

from __future__ import annotations

from bot.delivery.channels import INVITE
from briefings.delivery.port import Notice
from briefings.slots.slot import RETRIES_EXHAUSTED, Due


def words(notice: Notice) -> str:
    """The DM (or, for ``refused``, the error text) for ``notice``."""
    if notice.kind == "paused":
        return pause_message(notice.due, notice.error)
    if notice.kind == "failing":
        return failure_message(notice.due, notice.error, notice.cause or notice.error)
    return refusal(notice.due, notice.error, paused=notice.cause == "paused")


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


def refusal(due: Due, error: str, *, paused: bool) -> str:
    """What the sender of a one-off send reads when Slack did not take it (``paused``: Slack
    refused the channel)."""
    hint = ""
    if paused:
        hint = (
            f" Invite the bot to the channel ({INVITE}) and send it again."
            if due.one_off
            else " The subscription is paused and the admins were told."
        )
    return f"Slack did not take the {due.department} briefing for {due.channel_id}: {error}.{hint}"
