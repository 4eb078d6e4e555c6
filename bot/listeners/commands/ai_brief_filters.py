"""/ai-brief's channel keyword filters: mute, unmute, boost, unboost a phrase, and list them.
Each runs after the ack, on the slow-work pool, and answers through ``respond``."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond

from bot.slack_text import MESSAGE_TEXT_LIMIT, clip
from bot.text import escape_mrkdwn
from briefings.feedback.service import describe
from storage.audit import Actor


def change_filter(
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


def filters(command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    feedback = context["services"].briefings.feedback
    channel_id = command.get("channel_id", "")
    lines = describe(feedback.filters(channel_id), feedback.learned(channel_id))
    text = "*This channel's briefing filters*\n" + "\n".join(f"• {escape_mrkdwn(x)}" for x in lines)
    text += "\nChange them with `/ai-brief mute|unmute|boost|unboost <phrase>`."
    respond(text=clip(text, MESSAGE_TEXT_LIMIT), response_type="ephemeral")
