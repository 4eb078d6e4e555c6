"""Slack's assistant pane, through signed events into the real Bolt app and the fake Web API:
a greeting with suggested prompts, then each kind of question answered by its engine in the
thread, with a status line while it works."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.audit import Actor
from tests.briefings.factory import NewsFactory
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack, validate_blocks
from tests.slack_requests import assistant_message, assistant_thread_started

THREAD = "1765000000.000100"


def replies(fake: FakeSlack, count: int) -> list[dict[str, Any]]:
    """The first ``count`` messages posted into the pane's thread (waits up to 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        posted = [c.args for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == THREAD]
        if len(posted) >= count:
            return posted
        assert time.monotonic() < deadline, f"only {len(posted)} replies in the thread"
        time.sleep(0.02)


def ask(bot: BotServer, text: str, n: int) -> None:
    started = time.monotonic()
    response = bot.slack.event(assistant_message("U1", text, event_id=f"Ev{n:04d}"))
    assert response.status_code == 200 and time.monotonic() - started < 3.0


def test_thread_opens_with_a_greeting_and_the_channels_department_prompts(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    bot_server.services.briefings.subscribe("CLEGAL", "legal", "weekdays 09:00", actor=Actor.cli())
    response = bot_server.slack.event(assistant_thread_started("U1", context_channel="CLEGAL"))
    assert response.status_code == 200
    (greeting,) = replies(fake_slack, 1)
    assert greeting["channel"] == "DU1" and "AI policies" in greeting["text"]
    prompts = fake_slack.wait_for("assistant.threads.setSuggestedPrompts", timeout=10).args
    raw = prompts["prompts"]
    messages = [p["message"] for p in (json.loads(raw) if isinstance(raw, str) else raw)]
    assert "What's new for Legal this week?" in messages
    assert "Can I paste customer data into ChatGPT?" in messages
    assert len(messages) <= 4


def test_each_question_goes_to_its_engine_with_a_status_line(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    news = NewsFactory(bot_server.services.db)
    feed = news.feed("Regulation Watch", "legal")
    news.item(
        feed,
        "Regulator fines chatbot maker under the EU AI Act",
        "The data protection authority fined the AI company for training on personal data.",
        published_at=datetime.now(UTC) - timedelta(hours=3),
    )

    ask(bot_server, "Can I paste customer data into ChatGPT?", 1)
    ask(bot_server, "Which AI certification fits a CFO?", 2)
    ask(bot_server, "What's new for Legal this week?", 3)
    ask(bot_server, "what's new this week?", 4)
    posted = replies(fake_slack, 4)
    status = fake_slack.wait_for("assistant.threads.setStatus", count=4, timeout=10).args
    assert status["thread_ts"] == THREAD and status["status"]
    for message in posted:
        assert message["channel"] == "DU1"
        assert "blocks" not in message or validate_blocks(message["blocks"]) == []
    texts = [json.dumps(m) for m in posted]
    assert any("Customer and personal data in prompts" in t for t in texts)  # the policy section
    assert any("Oxford" in t or "Certifications for" in t for t in texts)
    assert all("Not understood" not in t for t in texts)  # a question's frame is not a typo
    assert any("Legal AI briefing" in t and "Regulator fines chatbot maker" in t for t in texts)
    assert any("Which department?" in t for t in texts)  # news, but for whom?
    assert all("Traceback" not in t for t in texts)


def test_a_question_in_the_messages_tab_outside_the_pane_is_answered_too(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    event = assistant_message("U1", "Can I paste customer data into ChatGPT?")
    del event["event"]["thread_ts"]
    assert bot_server.slack.event(event).status_code == 200
    answer = fake_slack.wait_for("chat.postMessage", timeout=10).args
    assert answer["channel"] == "DU1" and "Customer and personal data in prompts" in answer["text"]
