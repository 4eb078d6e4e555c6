"""/ai-brief's subscription subcommands: subscribe (with ``--top`` and ``--quiet``), pause,
resume, unsubscribe and status. Each runs after the ack, on the slow-work pool, and answers
through ``respond``; ``/ai-brief`` itself (``bot.listeners.commands.ai_brief``) dispatches here.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.channels import membership_warning
from bot.reply import send_reply
from bot.slack_text import MESSAGE_TEXT_LIMIT, clip
from bot.text import DASHES, escape_mrkdwn
from briefings.subscriptions import (
    ACTIVE,
    MAX_TOP_N,
    PAUSED,
    QUIET_MODES,
    SubscriptionView,
    change_summary,
    channel_subscription,
    quiet_text,
    stories_text,
)
from briefings.subscriptions.schedule import EXAMPLES
from foundation.errors import BriefbotError
from storage.audit import Actor

_FLAG = re.compile(rf"^[{DASHES}]+([^\W\d_]\w*)(?:=(.*))?$")
_QUOTES = "\"'\u2018\u2019\u201c\u201d"
FLAG_HELP = f"`--top N` (stories per briefing, 1 to {MAX_TOP_N}) and `--quiet {'|'.join(QUIET_MODES)}`"
_FLAG_VALUES = {
    "top": f"a number of stories from 1 to {MAX_TOP_N}, e.g. `--top 3`",
    "quiet": " or ".join(f"`{mode}`" for mode in QUIET_MODES),
}


def user_timezone(context: BoltContext, user_id: str) -> str:
    """The caller's Slack timezone (cached users.info), or UTC when Slack does not say."""
    tz: str = context["users"].timezone(user_id)
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        return "UTC"
    return tz


def when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "not scheduled"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M %Z}"


def _looks_like_timezone(word: str) -> bool:
    return "/" in word or word.upper() in ("UTC", "GMT")


def split_flags(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """``["legal", "daily", "09:00", "—top", "3"]`` -> ``(["legal", "daily", "09:00"], {"top": "3"})``.

    Flags may come anywhere, as ``--top 3`` or ``--top=3``, with any dash Slack may have made of
    ``--``. Values are returned as typed (the briefings service checks them); an unknown flag or
    one without a value is a :class:`BriefbotError` naming what is allowed.
    """
    words: list[str] = []
    flags: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        match = _FLAG.match(word)
        if match is None:
            words.append(word)
            continue
        name, value = match.group(1).lower(), match.group(2)
        if name not in _FLAG_VALUES:
            raise BriefbotError(f"I don't know the option {word[:30]!r}; the options are {FLAG_HELP}.")
        if value is None and rest and _FLAG.match(rest[0]) is None:
            value = rest.pop(0)
        value = (value or "").strip(_QUOTES)
        if not value:
            raise BriefbotError(f"`--{name}` needs a value: {_FLAG_VALUES[name]}.")
        flags[name] = value
    return words, flags


def subscribe(
    args: list[str], command: dict[str, Any], respond: Respond, context: BoltContext, client: WebClient
) -> None:
    services = context["services"]
    words, flags = split_flags(args)
    if not words:
        respond(
            text=(
                "Which department? For example `/ai-brief subscribe legal weekdays 09:00 --top 3`. "
                f"Departments: {escape_mrkdwn(services.briefings.profiles.choices())}. "
                f"Schedules: {EXAMPLES}; "
                "add a timezone such as `Europe/Berlin` at the end (a new subscription gets yours; "
                "a change keeps the channel's). "
                f"Options: {FLAG_HELP}."
            ),
            response_type="ephemeral",
        )
        return
    department, rest = words[0], words[1:]
    services.briefings.resolve_department(department)  # a clear error before anything else
    timezone = rest.pop() if rest and _looks_like_timezone(rest[-1]) else None
    user_id = command.get("user_id", "")
    change = services.briefings.change_subscription(
        command.get("channel_id", ""),
        department,
        " ".join(rest) or None,
        timezone=timezone,
        # Only a new subscription takes the caller's zone; a changed one keeps its own.
        default_timezone=user_timezone(context, user_id),
        actor=Actor.slack(user_id),
        top_n=flags.get("top"),
        quiet_mode=flags.get("quiet"),
    )
    sub = change.after
    name = escape_mrkdwn(services.briefings.profiles.get(sub.department).name)
    changed, kept = change_summary(change, code=_code)
    paused = ""
    if sub.status == PAUSED:
        reason = escape_mrkdwn(sub.paused_reason or "paused by an admin")
        paused = f" It stays *paused* ({reason}): resume it with `/ai-brief resume {sub.department}`."
    if change.created:
        text = (
            f":white_check_mark: <@{user_id}> subscribed this channel to the *{name}* AI briefing: "
            f"{', '.join(changed)}. Next one: {when(sub.next_run, sub.timezone)}. "
            f"Preview it with `/ai-brief now {sub.department}`."
        )
    elif not changed:
        respond(
            text=f"Nothing to change: this channel's *{name}* AI briefing has {', '.join(kept)}.{paused}",
            response_type="ephemeral",
        )
        return
    else:
        what = "; ".join(changed)
        text = f":white_check_mark: <@{user_id}> changed this channel's *{name}* AI briefing: {what}."
        if kept:
            text += f" Unchanged: {', '.join(kept)}."
        text += paused or f" Next one: {when(sub.next_run, sub.timezone)}."
    respond(text=text + membership_warning(client, sub.channel_id, here=True), response_type="in_channel")


def _code(value: str) -> str:
    return f"`{escape_mrkdwn(value)}`"


def _settings(sub: SubscriptionView) -> str:
    """``3 stories per briefing, quiet weeks skipped``: what ``--top`` and ``--quiet`` set."""
    return f"{stories_text(sub.top_n)}, {quiet_text(sub.quiet_mode)}"


def set_paused(
    verb: str, args: list[str], command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    services = context["services"]
    user_id = command.get("user_id", "")
    key = services.briefings.resolve_department(args[0]).key if args else None
    rows = services.briefings.subscriptions(command.get("channel_id", ""))
    sub = channel_subscription(rows, key, services.briefings.profiles, verb=verb)
    name = escape_mrkdwn(services.briefings.profiles.get(sub.department).name)
    pause = verb == "pause"
    if sub.status == (PAUSED if pause else ACTIVE):
        state = "paused" if pause else "not paused"
        respond(text=f"This channel's *{name}* AI briefing is already {state}.", response_type="ephemeral")
        return
    sub = services.briefings.set_paused(sub.id, paused=pause, actor=Actor.slack(user_id))
    if pause:
        text = (
            f":double_vertical_bar: <@{user_id}> paused this channel's *{name}* AI briefing "
            f"(`{sub.schedule}`, {sub.timezone}). `/ai-brief resume {sub.department}` starts it again."
        )
    else:
        text = (
            f":arrow_forward: <@{user_id}> resumed this channel's *{name}* AI briefing: `{sub.schedule}` "
            f"({sub.timezone}). Next one: {when(sub.next_run, sub.timezone)}."
        )
    respond(text=text, response_type="in_channel")


def unsubscribe(args: list[str], command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services = context["services"]
    user_id = command.get("user_id", "")
    sub = services.briefings.unsubscribe(
        actor=Actor.slack(user_id),
        channel_id=command.get("channel_id", ""),
        department=args[0] if args else None,
    )
    name = escape_mrkdwn(services.briefings.profiles.get(sub.department).name)
    respond(
        text=f"<@{user_id}> stopped the *{name}* AI briefing in this channel (it was `{sub.schedule}`).",
        response_type="in_channel",
    )


def status(command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services = context["services"]
    rows = services.briefings.subscriptions(command.get("channel_id", ""))
    if not rows:
        respond(
            text=(
                "This channel gets no AI briefings yet. An admin can add one with "
                "`/ai-brief subscribe legal weekdays 09:00` (departments: "
                f"{escape_mrkdwn(services.briefings.profiles.choices())})."
            ),
            response_type="ephemeral",
        )
        return
    lines = ["*AI briefings in this channel*"]
    for s in rows:
        name = escape_mrkdwn(services.briefings.profiles.get(s.department).name)
        last = f"; last posted {when(s.last_sent_at, s.timezone)}" if s.last_sent_at else ""
        if s.failing and s.status != "paused":  # a paused one already says why
            last += (
                f"\n    :warning: the last delivery failed {when(s.last_error_at, s.timezone)}: "
                f"{escape_mrkdwn(s.last_error or '')}"
            )
        if s.status == "paused":
            reason = escape_mrkdwn(s.paused_reason or "paused by an admin")
            lines.append(
                f"• *{name}*: `{s.schedule}` ({s.timezone}), *paused*: {reason}. "
                f"Resume with `/ai-brief resume {s.department}`; {_settings(s)}{last}."
            )
        else:
            lines.append(
                f"• *{name}*: `{s.schedule}` ({s.timezone}); next {when(s.next_run, s.timezone)}; "
                f"{_settings(s)}{last}."
            )
    text = "\n".join(lines)
    # Plain text has no block budget, but Slack still refuses a message past its length cap.
    send_reply(respond, clip(text, MESSAGE_TEXT_LIMIT), None, logging.getLogger(__name__))
