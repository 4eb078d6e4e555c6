"""/ai-policy <question>: the best policy section, an excerpt and its source, ephemeral.

Lookups take milliseconds, so the answer normally travels in the ack itself; if the database is
slow the user gets "Looking that up…" at once and the answer via ``response_url`` when ready.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.views.policy import policy_blocks
from briefbot.errors import BriefbotError

# Answer inside the ack when the lookup finishes within this budget (Slack allows 3 s).
ANSWER_BUDGET_SECONDS = 1.5
# After a slow ack, how long to keep waiting before telling the user it failed.
LATE_ANSWER_SECONDS = 25.0
LOOKUP_FAILED = (
    "Sorry, I couldn't look that up just now. The problem has been logged; please try again in a minute."
)

_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lookup")

Message = dict[str, Any]


def _safe(work: Callable[[], Message], logger: logging.Logger) -> Message:
    try:
        return work()
    except BriefbotError as exc:
        return {"text": str(exc)}
    except Exception:
        logger.exception("lookup failed")
        return {"text": LOOKUP_FAILED}


def reply_within_budget(
    ack: Ack,
    respond: Respond,
    work: Callable[[], Message],
    logger: logging.Logger,
    *,
    budget: float | None = None,
) -> None:
    """Ack with the answer if ``work`` is quick, else ack at once and answer via response_url.

    ``work`` returns message kwargs (``text``, ``blocks``). Failures become a friendly message;
    the user never sees a traceback and always gets an ephemeral reply.
    """
    budget = ANSWER_BUDGET_SECONDS if budget is None else budget
    future = _lookups.submit(_safe, work, logger)
    try:
        message = future.result(timeout=budget)
    except FutureTimeout:
        ack(text="Looking that up…", response_type="ephemeral")
        try:
            message = future.result(timeout=LATE_ANSWER_SECONDS)
        except FutureTimeout:
            logger.error("lookup still running after %.0f s", budget + LATE_ANSWER_SECONDS)
            message = {"text": LOOKUP_FAILED}
        respond(**message, response_type="ephemeral", replace_original=True)
        return
    ack(**message, response_type="ephemeral")


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
