"""/ai-policy <question>: the best policy section, an excerpt and its source, ephemeral.

Lookups take milliseconds, so the answer normally travels in the ack itself. If the database is
slow, a watchdog acks with "Looking that up…" before Slack's 3-second limit and the answer
follows via ``response_url``.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.reply import Message, reply_within_budget
from bot.views.policy import policy_blocks


def ai_policy_callback(
    ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext, logger: logging.Logger
) -> None:
    """Answer a policy question; no question lists the policies."""
    question = command.get("text") or ""
    knowledge = context["services"].knowledge

    def work() -> Message:
        text, blocks = policy_blocks(knowledge.policy_answer(question))
        return {"text": text, "blocks": blocks}

    reply_within_budget(ack, respond, work, logger)


def register(app: App) -> None:
    app.command("/ai-policy")(ai_policy_callback)
