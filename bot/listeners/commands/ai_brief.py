"""/ai-brief: help, now, subscribe, unsubscribe, pause, resume, status, and the channel keyword
filters (mute, unmute, boost, unboost, filters).

``help``, empty and unknown input are answered in the ack itself (usage help). Changes pass the
admin gate first (``bot.gate``: with ``BRIEFBOT_SUBSCRIBE_ADMINS_ONLY``, admins only). The other
subcommands ack at once and hand the work to the slow-work pool (``bot.work``), answering
through ``respond`` (the response URL), so neither a slow database nor a rate-limited
``users.info`` holds a listener thread that other users' acks need. The subscription
subcommands live in ``ai_brief_subscriptions``, the filters in ``ai_brief_filters``.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.gate import AdminGate, Rule
from bot.home import publish_home
from bot.listeners.commands.ai_brief_filters import change_filter, filters
from bot.listeners.commands.ai_brief_subscriptions import (
    set_paused,
    status,
    subscribe,
    unsubscribe,
    user_timezone,
)
from bot.refusals import Subject
from bot.reply import send_reply
from bot.text import escape_mrkdwn, is_switch, split_command
from bot.views.help import help_blocks, help_text
from foundation.errors import BriefbotError

FILTER_CHANGES = ("mute", "unmute", "boost", "unboost")
PAUSING = ("pause", "resume")
CHANGES = ("subscribe", "unsubscribe", *PAUSING, *FILTER_CHANGES)
WORK = ("now", "subscribe", "unsubscribe", *PAUSING, "status", "filters", *FILTER_CHANGES)


def ai_brief_callback(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
) -> None:
    """Ack at once (usage help for ``help``/empty/unknown input; changes have passed the gate),
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

    def work() -> None:
        try:
            if sub == "now":
                _now(args, command, respond, context)
            elif sub == "status":
                status(command, respond, context)
            elif sub == "subscribe":
                subscribe(args, command, respond, context, client)
            elif sub in PAUSING:
                set_paused(sub, args, command, respond, context)
            elif sub in FILTER_CHANGES:
                change_filter(sub, args, command, respond, context)
            elif sub == "filters":
                filters(command, respond, context)
            else:
                unsubscribe(args, command, respond, context)
        except BriefbotError as exc:
            respond(text=escape_mrkdwn(str(exc)), response_type="ephemeral", replace_original=False)
            return
        if sub in ("subscribe", "unsubscribe", *PAUSING):  # their App Home lists the channel's briefings
            user_id = command.get("user_id", "")
            publish_home(client, context["services"], user_id, admin_checker=context.get("admin_checker"))

    context["slow_work"].after_ack(ack, respond, work, user=command.get("user_id", ""), logger=logger)


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
    timezone = user_timezone(context, command.get("user_id", ""))
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


def is_change(body: dict[str, Any]) -> bool:
    """Whether the command changes what the channel gets (the gate checks only these)."""
    return split_command(body.get("text"))[0] in CHANGES


def register(app: App) -> None:
    gate = AdminGate(Subject.BRIEFINGS, rule=Rule.SUBSCRIBERS, applies=is_change)
    app.command("/ai-brief", middleware=[gate])(ai_brief_callback)
