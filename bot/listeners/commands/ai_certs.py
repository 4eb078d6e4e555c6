"""/ai-certs [dept|role|topic] [level]: ranked certifications with provider, level and why."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.reply import Message, reply_within_budget
from bot.views.certs import certs_blocks


def ai_certs_callback(
    ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext, logger: logging.Logger
) -> None:
    """Recommend certifications; no arguments gives a short overview per department."""
    request = command.get("text") or ""
    knowledge = context["services"].knowledge

    def work() -> Message:
        text, blocks = certs_blocks(knowledge.recommend_certs(request), context["services"].departments)
        return {"text": text, "blocks": blocks}

    reply_within_budget(ack, respond, work, logger)


def register(app: App) -> None:
    app.command("/ai-certs")(ai_certs_callback)
