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
    services = context["services"]
    channel = command.get("channel_id")

    def department() -> str | None:
        # Asked only when the question goes into the unanswered log: a channel subscribed to
        # one department's briefing tells us who is probably asking.
        subscribed = {s.department for s in services.briefings.subscriptions(channel)} if channel else set()
        return subscribed.pop() if len(subscribed) == 1 else None

    def work() -> Message:
        text, blocks = policy_blocks(services.knowledge.policy_answer(question, department=department))
        return {"text": text, "blocks": blocks}

    reply_within_budget(ack, respond, work, logger)


def register(app: App) -> None:
    app.command("/ai-policy")(ai_policy_callback)
