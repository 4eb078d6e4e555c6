"""/ai-brief: help, now, subscribe, unsubscribe, status."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.text import escape_mrkdwn, split_command
from bot.views.help import help_blocks, help_text


def ai_brief_callback(ack: Ack, command: dict[str, Any]) -> None:
    sub, _args = split_command(command.get("text"))
    note = None
    if sub and sub != "help":
        note = f"I don't know `{escape_mrkdwn(sub)}`. Here is what I can do:"
    ack(text=help_text(), blocks=help_blocks(note=note), response_type="ephemeral")


def register(app: App) -> None:
    app.command("/ai-brief")(ai_brief_callback)
