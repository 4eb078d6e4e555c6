"""The ``ask_policy`` message shortcut end to end: a signed message_action into the real Bolt app;
the answer is the /ai-policy one, posted ephemerally through the shortcut's response_url."""

from __future__ import annotations

import time

from bot.listeners.shortcuts.ask_policy import NO_TEXT, plain_text
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack, validate_blocks
from tests.slack_requests import message_action

PITCH = "Hi <@U2>! Our tool lets your team paste customer data into ChatGPT <https://vendor.example|see demo>"


def shortcut(bot: BotServer, fake: FakeSlack, text: str) -> dict:
    started = time.monotonic()
    response = bot.slack.interaction(message_action("ask_policy", text, response_url=fake.response_url()))
    assert response.status_code == 200 and time.monotonic() - started < 3.0
    return fake.wait_for("response_url", timeout=10).args


def test_answers_from_the_message_text_like_ai_policy(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    answer = shortcut(bot_server, fake_slack, PITCH)
    assert answer["response_type"] == "ephemeral" and answer["text"]
    assert validate_blocks(answer["blocks"]) == []
    rendered = str(answer["blocks"])
    assert "Customer and personal data in prompts" in rendered
    assert "Acceptable Use of Generative AI" in rendered
    same = bot_server.slack.command("/ai-policy", plain_text(PITCH)).json()
    assert same["blocks"] == answer["blocks"]


def test_a_message_without_text_gets_a_hint(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    assert shortcut(bot_server, fake_slack, "<@U2>")["text"] == NO_TEXT


def test_slack_markup_is_reduced_to_words() -> None:
    assert plain_text("ask <@U1> in <#C1|legal> about <https://x.example/a|the EU AI Act> <!here>") == (
        "ask in legal about the EU AI Act"
    )
