"""/ai-brief: help, now, subscribe, unsubscribe, pause, resume, status, and the channel keyword
filters (mute, unmute, boost, unboost, filters).

``help``, empty and unknown input are answered in the ack itself (usage help). The other
subcommands ack at once and hand the work to the slow-work pool (``bot.work``), answering
through ``respond`` (the response URL), so neither a slow database nor a rate-limited
``users.info`` holds a listener thread that other users' acks need.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import CANNOT_CHECK, CHECK_FAILED, AdminCheckUnavailable, attempt_of
from bot.delivery.channels import INVITE
from bot.reply import send_reply
from bot.slack_text import MESSAGE_TEXT_LIMIT, clip
from bot.surfaces import publish_home
from bot.text import DASHES, escape_mrkdwn, is_switch, split_command
from bot.views.help import help_blocks, help_text
from briefings.feedback_service import describe
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

FILTER_CHANGES = ("mute", "unmute", "boost", "unboost")
PAUSING = ("pause", "resume")
CHANGES = ("subscribe", "unsubscribe", *PAUSING, *FILTER_CHANGES)
WORK = ("now", "subscribe", "unsubscribe", *PAUSING, "status", "filters", *FILTER_CHANGES)
NOT_ADMIN = (
    "Sorry, only briefing admins can change which briefings this channel gets. "
    "Ask a workspace admin or someone listed in BRIEFBOT_ADMINS; `/ai-brief status` shows what it gets now."
)
_FLAG = re.compile(rf"^[{DASHES}]+([^\W\d_]\w*)(?:=(.*))?$")
_QUOTES = "\"'\u2018\u2019\u201c\u201d"
FLAG_HELP = f"`--top N` (stories per briefing, 1 to {MAX_TOP_N}) and `--quiet {'|'.join(QUIET_MODES)}`"
_FLAG_VALUES = {
    "top": f"a number of stories from 1 to {MAX_TOP_N}, e.g. `--top 3`",
    "quiet": " or ".join(f"`{mode}`" for mode in QUIET_MODES),
}


def ai_brief_callback(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
) -> None:
    """Ack at once (usage help for ``help``/empty/unknown input; the admin check for changes),
    then do the work on the slow-work pool and respond."""
    sub, args = split_command(command.get("text"))
    if sub not in WORK:
        note = None
        if sub and sub != "help":
            note = f"I don't know `{escape_mrkdwn(sub[:40])}`. Here is what I can do:"
        ack(
            text=help_text(),
            blocks=help_blocks(context["services"].departments, note=note),
            response_type="ephemeral",
        )
        return
    if sub in CHANGES and not _may_change(ack, command, context):
        return

    def work() -> None:
        try:
            if sub == "now":
                _now(args, command, respond, context)
            elif sub == "status":
                _status(command, respond, context)
            elif sub == "subscribe":
                _subscribe(args, command, respond, context, client)
            elif sub in PAUSING:
                _set_paused(sub, args, command, respond, context)
            elif sub in FILTER_CHANGES:
                _change_filter(sub, args, command, respond, context)
            elif sub == "filters":
                _filters(command, respond, context)
            else:
                _unsubscribe(args, command, respond, context)
        except BriefbotError as exc:
            respond(text=escape_mrkdwn(str(exc)), response_type="ephemeral", replace_original=False)
            return
        if sub in ("subscribe", "unsubscribe", *PAUSING):  # their App Home lists the channel's briefings
            user_id = command.get("user_id", "")
            publish_home(client, context["services"], user_id, admin_checker=context.get("admin_checker"))

    context["slow_work"].after_ack(ack, respond, work, user=command.get("user_id", ""), logger=logger)


def _may_change(ack: Ack, command: dict[str, Any], context: BoltContext) -> bool:
    """In the ack path: may this user change the channel's briefings? If not, ack why (audited)."""
    if not context["services"].settings.briefbot_subscribe_admins_only:
        return True
    checker = context["admin_checker"]
    user_id = command.get("user_id", "")
    try:
        if checker.is_admin(user_id):
            return True
    except AdminCheckUnavailable:
        checker.refused(user_id, attempt_of(command), CHECK_FAILED)
        ack(text=CANNOT_CHECK, response_type="ephemeral")
        return False
    checker.refused(user_id, attempt_of(command), "not an admin")
    ack(text=NOT_ADMIN, response_type="ephemeral")
    return False


def _user_timezone(context: BoltContext, user_id: str) -> str:
    """The caller's Slack timezone (cached users.info), or UTC when Slack does not say."""
    tz = context["users"].timezone(user_id)
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        return "UTC"
    return tz


def _when(moment: datetime | None, tz: str) -> str:
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


def _subscribe(
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
        default_timezone=_user_timezone(context, user_id),
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
            f"{', '.join(changed)}. Next one: {_when(sub.next_run, sub.timezone)}. "
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
        text += paused or f" Next one: {_when(sub.next_run, sub.timezone)}."
    respond(text=text + _membership_warning(client, sub.channel_id), response_type="in_channel")


def _code(value: str) -> str:
    return f"`{escape_mrkdwn(value)}`"


def _settings(sub: SubscriptionView) -> str:
    """``3 stories per briefing, quiet weeks skipped``: what ``--top`` and ``--quiet`` set."""
    return f"{stories_text(sub.top_n)}, {quiet_text(sub.quiet_mode)}"


def _membership_warning(client: WebClient, channel_id: str) -> str:
    """A warning when the bot is not in the channel (the briefing would be refused and paused)."""
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError:
        return ""
    if info.get("is_member") is False:
        return f"\n:warning: I am not in this channel yet: `{INVITE}` before the first briefing."
    return ""


def _set_paused(
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
            f"({sub.timezone}). Next one: {_when(sub.next_run, sub.timezone)}."
        )
    respond(text=text, response_type="in_channel")


def _unsubscribe(args: list[str], command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
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


def _change_filter(
    sub: str, args: list[str], command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    user_id = command.get("user_id", "")
    phrase, changed = context["services"].briefings.feedback.change_filter(
        command.get("channel_id", ""), sub, " ".join(args), actor=Actor.slack(user_id)
    )
    shown = escape_mrkdwn(phrase)
    done = {
        "mute": f"muted “{shown}”: stories with it are left out of this channel's briefings",
        "unmute": f"unmuted “{shown}”",
        "boost": f"boosted “{shown}”: stories with it rank higher in this channel's briefings",
        "unboost": f"stopped boosting “{shown}”",
    }
    if not changed:
        state = "muted" if sub.endswith("mute") else "boosted"
        text = f"“{shown}” {'was not' if sub.startswith('un') else 'is already'} {state} here."
        respond(text=f"{text} `/ai-brief filters` lists this channel's filters.", response_type="ephemeral")
        return
    respond(text=f"<@{user_id}> {done[sub]}.", response_type="in_channel")


def _filters(command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    feedback = context["services"].briefings.feedback
    channel_id = command.get("channel_id", "")
    lines = describe(feedback.filters(channel_id), feedback.learned(channel_id))
    text = "*This channel's briefing filters*\n" + "\n".join(f"• {escape_mrkdwn(x)}" for x in lines)
    text += "\nChange them with `/ai-brief mute|unmute|boost|unboost <phrase>`."
    respond(text=clip(text, MESSAGE_TEXT_LIMIT), response_type="ephemeral")


def _status(command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
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
        last = f"; last posted {_when(s.last_sent_at, s.timezone)}" if s.last_sent_at else ""
        if s.failing and s.status != "paused":  # a paused one already says why
            last += (
                f"\n    :warning: the last delivery failed {_when(s.last_error_at, s.timezone)}: "
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
                f"• *{name}*: `{s.schedule}` ({s.timezone}); next {_when(s.next_run, s.timezone)}; "
                f"{_settings(s)}{last}."
            )
    text = "\n".join(lines)
    # Plain text has no block budget, but Slack still refuses a message past its length cap.
    send_reply(respond, clip(text, MESSAGE_TEXT_LIMIT), None, logging.getLogger(__name__))


def _now(args: list[str], command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services = context["services"]
    include_backlog = any(_is_include_backlog(word) for word in args)
    args = [word for word in args if not _is_include_backlog(word)]
    if args:
        department = services.briefings.resolve_department(args[0]).key
    else:
        here = services.briefings.subscriptions(command.get("channel_id", ""))
        if len(here) != 1:
            respond(
                text=(
                    "Which department? For example `/ai-brief now legal`. "
                    f"Departments: {escape_mrkdwn(services.briefings.profiles.choices())}."
                ),
                response_type="ephemeral",
            )
            return
        department = here[0].department
    timezone = _user_timezone(context, command.get("user_id", ""))
    briefing = services.briefings.build(department, timezone=timezone, include_backlog=include_backlog)
    note = ":eyes: *Preview*: only you can see this."
    if include_backlog:
        note += " Backlog of newly added or resumed feeds included."
    held = briefing.held_back_note(f"`/ai-brief now {briefing.department} --include-backlog`")
    if held:
        note += f"\n{held}"
    message = services.briefings.render(briefing, note=note)
    send_reply(respond, message.text, message.blocks, logging.getLogger(__name__))


def _is_include_backlog(word: str) -> bool:
    return is_switch(word, "include-backlog")  # the one switch without a value


def register(app: App) -> None:
    app.command("/ai-brief")(ai_brief_callback)
