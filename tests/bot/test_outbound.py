"""Bidi and zero-width controls never reach Slack, by any of the three ways out: the ack, the
response URL and the Web API (``bot.outbound``)."""

from __future__ import annotations

import json

from bot.outbound import INVISIBLE, clean_outbound
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, feed_reply, item
from tests.mock_web_api_server import FakeSlack

RLO = "\u202e"
HIDDEN = f"chat{RLO}gpt \u200bcustomer\u2066 data\ufeff"


def test_the_cleaner_walks_nested_payloads_and_keeps_emoji_joiners() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    cleaned = clean_outbound({"blocks": [{"text": {"text": f"a{RLO}b {family}"}}], "n": 3})
    assert cleaned == {"blocks": [{"text": {"text": f"ab {family}"}}], "n": 3}


def test_feed_text_shown_by_ai_feeds_test_reaches_slack_without_controls(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    site = FeedServer()
    try:
        url = site.route("/feed", feed_reply([item(1, title=f"Invoice {HIDDEN}.exe")], title=f"News{RLO}"))
        ack = bot_server.slack.command("/ai-feeds", f"test {url}", user_id="UADMIN")
        assert ack.status_code == 200
        answer = fake_slack.wait_for("response_url", timeout=10)
    finally:
        site.close()
    shown = json.dumps(answer.args, ensure_ascii=False)
    assert "Invoice" in shown and not INVISIBLE.search(shown)


def test_a_web_api_call_is_cleaned_too(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    bot_server.app.client.chat_postMessage(
        channel="C1",
        text=f"hello {HIDDEN}",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f"*{HIDDEN}*"}}],
    )
    call = fake_slack.wait_for("chat.postMessage")
    assert not INVISIBLE.search(json.dumps(call.args, ensure_ascii=False))
    assert "customer data" in call.args["text"]
