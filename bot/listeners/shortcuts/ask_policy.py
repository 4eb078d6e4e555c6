"""Message shortcut ``ask_policy``: what do our AI policies say about this message?

The message's text (a pasted vendor pitch, a colleague's question) is the question; the answer
is ``/ai-policy``'s (same engine, same rendering), posted ephemerally in that channel to the
person who asked.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.reply import LOOKUP_FAILED, Message
from bot.views.policy import policy_blocks
from foundation.errors import BriefbotError

NO_TEXT = "That message has no text I can look up. Try `/ai-policy <question>` instead."
# Slack markup in a message: <@U123>, <#C123|name>, <!here>, <https://x|label>.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(text: str) -> str:
    """The words of a Slack message: mentions dropped, links reduced to their label or URL."""

    def words(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            return label or ""
        return label or target

    return " ".join(_MARKUP.sub(words, text or "").split())


def answer(knowledge: Any, text: str, logger: logging.Logger) -> Message:
    """The ``/ai-policy`` answer for ``text`` as message kwargs; failures become a friendly line."""
    question = plain_text(text)
    if not question:
        return {"text": NO_TEXT}
    try:
        fallback, blocks = policy_blocks(knowledge.policy_answer(question))
    except BriefbotError as exc:
        return {"text": str(exc)}
    except Exception:
        logger.exception("ask_policy lookup failed")
        return {"text": LOOKUP_FAILED}
    return {"text": fallback, "blocks": blocks}


def ask_policy_callback(
    ack: Ack,
    shortcut: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    """Ack; then, on the slow-work pool, look the message up and answer only the asker."""
    ack()
    knowledge = context["services"].knowledge
    user_id = (shortcut.get("user") or {}).get("id", "")

    def reply() -> None:
        message = answer(knowledge, (shortcut.get("message") or {}).get("text") or "", logger)
        if shortcut.get("response_url"):
            respond(**message, response_type="ephemeral", replace_original=False)
            return
        try:
            client.chat_postEphemeral(
                channel=(shortcut.get("channel") or {}).get("id", ""), user=user_id, **message
            )
        except SlackApiError as exc:
            logger.warning("ask_policy answer not delivered: %s", exc.response.get("error"))

    context["slow_work"].submit(user_id, reply, logger=logger)


def register(app: App) -> None:
    app.message_shortcut("ask_policy")(ask_policy_callback)
