"""Slack's assistant pane: the same three engines as the slash commands, in a thread.

A thread opens with a greeting and up to four suggested prompts, tailored to the department of
the channel the person is looking at when that channel gets one department's briefing. Each
message is sent to one engine by what it asks for: certifications (``/ai-certs``), what is new
for a department (the briefing preview of ``/ai-brief now``), else the AI policies
(``/ai-policy``). The status line says we are working while the answer is built on the slow-work
pool; a workspace without the assistant feature never sends these events and keeps the commands.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, Assistant, BoltContext, Say, SetStatus, SetSuggestedPrompts
from slack_sdk.errors import SlackApiError

from bot.context import BotServices
from bot.reply import Message
from bot.text import escape_mrkdwn
from bot.views.certs import certs_blocks
from bot.views.policy import policy_blocks

GREETING = (
    "Hi! I know our AI policies, what is new in AI for each department, and which AI "
    "certifications fit a role. Ask in your own words, or pick a suggestion."
)
STATUS = "is looking that up…"
MAX_PROMPTS = 4  # Slack shows at most four suggested prompts
# What a message asks for, from its words: certifications, or the week's news for a department.
CERT_WORDS = re.compile(r"\b(certif\w*|credential\w*|course\w*|exams?|qualification\w*)\b", re.IGNORECASE)
NEWS_WORDS = re.compile(
    r"\b(what'?s new|new this week|news|latest|headlines?|briefings?|this week)\b|what.{0,3}s new",
    re.IGNORECASE,
)
POLICY_WORDS = re.compile(r"\b(polic(y|ies)|allowed|may i|can i|rules?)\b", re.IGNORECASE)
WORD = re.compile(r"[\w&'-]+")


def department_in(text: str, services: BotServices) -> str | None:
    """The one department ``text`` names (key, display name or alias; two-word names too)."""
    words = WORD.findall(text)
    found = set()
    for size in (1, 2):
        for i in range(len(words) - size + 1):
            key = services.departments.normalise(" ".join(words[i : i + size]))
            if key:
                found.add(key)
    return found.pop() if len(found) == 1 else None


def channel_department(services: BotServices, channel_id: str | None) -> str | None:
    """The department of the one briefing ``channel_id`` gets, if it gets exactly one."""
    if not channel_id:
        return None
    subscribed = {s.department for s in services.briefings.subscriptions(channel_id)}
    return subscribed.pop() if len(subscribed) == 1 else None


def prompts_for(services: BotServices, department: str | None) -> list[dict[str, str]]:
    """Suggested prompts: the department's news and certifications when known, else two
    departments' news; always a policy question."""
    keys = [department] if department else list(services.departments.keys)[:2]
    prompts = []
    for key in keys:
        name = services.departments.label(key)
        prompts.append({"title": f"What's new for {name}", "message": f"What's new for {name} this week?"})
    prompts.append(
        {"title": "Customer data and AI tools", "message": "Can I paste customer data into ChatGPT?"}
    )
    if department:
        label = services.departments.label(department)
        cert = {
            "title": f"Certifications for {label}",
            "message": f"Which AI certification fits someone in {label}?",
        }
    else:
        cert = {"title": "Certifications", "message": "Which AI certification fits a CFO?"}
    prompts.append(cert)
    return prompts[:MAX_PROMPTS]


def answer(services: BotServices, text: str) -> Message:
    """The reply to one message in the pane, from the engine it asks for."""
    if CERT_WORDS.search(text):
        certs = services.knowledge.recommend_certs(text)
        if certs.request.unknown:
            # A sentence, not a command: the words the advisor does not use ("which", "fits")
            # are the question's frame, so ask again without them rather than list them.
            unknown = {w.lower() for w in certs.request.unknown}
            kept = " ".join(w for w in WORD.findall(text) if w.lower() not in unknown)
            certs = services.knowledge.recommend_certs(kept)
        reply_text, blocks = certs_blocks(certs, services.departments)
        return {"text": reply_text, "blocks": blocks}
    if NEWS_WORDS.search(text) and not POLICY_WORDS.search(text):
        department = department_in(text, services)
        if department is None:
            return {
                "text": "Which department? For example “What's new for Legal this week?”. Departments: "
                + escape_mrkdwn(services.briefings.profiles.choices())
                + "."
            }
        briefing = services.briefings.build(department, timezone="UTC")
        message = services.briefings.render(briefing, note=":eyes: *Preview* of this week's briefing.")
        return {"text": message.text, "blocks": message.blocks}

    reply_text, blocks = policy_blocks(services.knowledge.policy_answer(text))
    return {"text": reply_text, "blocks": blocks}


def answer_later(context: BoltContext, say: Say, text: str, user_id: str, logger: logging.Logger) -> None:
    """Answer ``text`` on the slow-work pool with ``say`` (in the pane's thread, or the DM);
    a full pool says so at once, a failure says sorry: never a stack trace."""
    services: BotServices = context["services"]

    def reply() -> None:
        try:
            message = answer(services, text)
        except Exception:
            logger.exception("assistant answer failed")
            message = {"text": "Sorry, I could not answer that just now. Please try again in a minute."}
        try:
            say(**message)  # in the pane, posting clears the status line
        except SlackApiError as exc:
            logger.warning("assistant answer not posted: %s", exc.response.get("error"))

    if not context["slow_work"].submit(user_id, reply, logger=logger):
        try:
            say(text="I'm busy with other requests right now: please ask again in a minute.")
        except SlackApiError as exc:
            logger.warning("assistant busy reply not posted: %s", exc.response.get("error"))


def build_assistant() -> Assistant:
    """The pane's listeners (registered with ``app.assistant``)."""
    assistant = Assistant()

    @assistant.thread_started
    def started(
        say: Say,
        set_suggested_prompts: SetSuggestedPrompts,
        payload: dict[str, Any],
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        services: BotServices = context["services"]
        seen = (payload.get("assistant_thread") or {}).get("context") or {}
        department = channel_department(services, seen.get("channel_id"))
        try:
            say(GREETING)
            set_suggested_prompts(prompts=prompts_for(services, department))
        except SlackApiError as exc:
            logger.warning("assistant thread not greeted: %s", exc.response.get("error"))

    @assistant.user_message
    def asked(
        payload: dict[str, Any],
        say: Say,
        set_status: SetStatus,
        context: BoltContext,
        logger: logging.Logger,
    ) -> None:
        text = str(payload.get("text") or "").strip()
        user_id = str(payload.get("user") or "")
        if not text:
            return
        try:
            set_status(STATUS)
        except SlackApiError as exc:
            logger.info("assistant status not set: %s", exc.response.get("error"))
        answer_later(context, say, text, user_id, logger)

    return assistant


def direct_message_callback(
    event: dict[str, Any], say: Say, context: BoltContext, logger: logging.Logger
) -> None:
    """A question sent to the app's Messages tab outside the pane's thread: the same answer."""
    text = str(event.get("text") or "").strip()
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") or not text:
        return  # edits, joins, other bots: nothing to answer
    user_id = str(event.get("user") or "")
    answer_later(context, say, text, user_id, logger)


def register(app: App) -> None:
    app.assistant(build_assistant())
    app.event("message")(direct_message_callback)
