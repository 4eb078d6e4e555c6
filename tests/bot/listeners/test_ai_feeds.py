"""/ai-feeds through the real HTTP endpoint: refusals audited and listed, listings paged."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from click.testing import CliRunner

from bot.listeners.commands import ai_feeds
from bot.refusals import REFUSALS, Subject, Surface
from bot.views.feeds import feed_list_message
from briefbot.cli import cli
from feeds.records import FeedInfo
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack, validate_blocks

REFUSAL = REFUSALS[Surface.SLASH_COMMAND, Subject.FEEDS]


def _ack(bot_server: BotServer, text: str, user_id: str) -> dict[str, Any]:
    started = time.monotonic()
    response = bot_server.slack.command("/ai-feeds", text, user_id=user_id)
    assert response.status_code == 200 and time.monotonic() - started < 3.0
    return response.json() if response.content else {}


def test_refused_attempts_are_audited_and_listed_by_the_cli(bot_server: BotServer, db_url: str) -> None:
    for text in ("add https://example.com/feed finance", "remove 3", "pause 1"):
        assert _ack(bot_server, text, "UNOBODY") == {
            "text": REFUSAL,
            "response_type": "ephemeral",
        }
    env = {"DATABASE_URL": db_url}
    result = CliRunner().invoke(cli, ["audit", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    refused = [r for r in rows if r["action"] == "refused"]
    assert [r["target"] for r in refused] == [
        "/ai-feeds pause 1",
        "/ai-feeds remove 3",
        "/ai-feeds add https://example.com/feed finance",
    ]
    assert all(r["actor"] == "UNOBODY" and r["source"] == "slack" for r in refused)
    detail = {"surface": "slash_command", "reason": "not an admin"}
    assert all(r["detail"] == detail and r["at"] for r in refused)
    text = CliRunner().invoke(cli, ["audit", "list", "--action", "refused"], env=env)
    assert text.exit_code == 0 and text.stdout.count("UNOBODY (slack)  refused /ai-feeds") == 3


def _feed(i: int) -> FeedInfo:
    from datetime import UTC, datetime

    url = f"https://feeds.example-{i:02d}.com/" + "a" * 60 + f"/rss-{i}.xml"
    return FeedInfo(
        id=i,
        url=url,
        name=f"Feed number {i} with a long display name",
        title=None,
        site_url=None,
        departments=("finance", "legal"),
        status="active",
        health="failing",
        item_count=0,
        error_count=4,
        last_error="HTTP 503 Service Unavailable " + "x" * 200,
        last_error_at=datetime(2026, 1, 1, tzinfo=UTC),
        last_success_at=None,
        last_warning=None,
        next_fetch_at=datetime(2026, 1, 2, tzinfo=UTC),
        last_fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        last_status=503,
        created_at=datetime(2025, 12, 1, tzinfo=UTC),
        created_by="UADMIN",
    )


def test_forty_failing_feeds_page_within_slacks_limits() -> None:
    feeds = [_feed(i) for i in range(1, 41)]
    _text, first = feed_list_message(feeds)
    assert validate_blocks(first) == []
    assert "page 1 of" in first[-1]["elements"][0]["text"]
    assert "`/ai-feeds list 2` for more" in first[-1]["elements"][0]["text"]
    pages = int(first[-1]["elements"][0]["text"].split("page 1 of ")[1].split()[0])
    assert pages >= 2
    seen: list[str] = []
    for page in range(1, pages + 1):
        _text, blocks = feed_list_message(feeds, page=page)
        assert validate_blocks(blocks) == [] and len(blocks) <= 50
        assert sum(len(str(b)) for b in blocks) < 12_000
        seen += [b["text"]["text"].split("*")[1] for b in blocks if b["type"] == "section"]
    assert seen == [f"#{i} Feed number {i} with a long display name" for i in range(1, 41)]


def test_list_takes_a_page_number_over_slack(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    for i in range(1, 26):
        bot_server.services.feeds.add(f"https://feeds.example.com/{i}.xml", ["finance"], fetch=False)
    _ack(bot_server, "list 2", "UADMIN")
    args = fake_slack.wait_for("response_url", timeout=10).args
    assert validate_blocks(args["blocks"]) == []
    assert "page 2 of 2" in args["text"]


@pytest.mark.parametrize("text", ["remove 99", "pause https://nowhere.example.com/feed.xml"])
def test_an_unknown_feed_is_answered_in_slack_words(
    bot_server: BotServer, fake_slack: FakeSlack, text: str
) -> None:
    _ack(bot_server, text, "UADMIN")
    answer = json.dumps(fake_slack.wait_for("response_url", timeout=10).args)
    assert "`/ai-feeds list` shows every feed's id" in answer
    assert "`feeds list`" not in answer  # the CLI's command means nothing in Slack
    assert "No feed #99" in answer or "No feed https://nowhere.example.com/feed.xml" in answer


def test_one_page_of_feeds_points_at_slack_commands_not_the_cli() -> None:
    text, blocks = feed_list_message([_feed(1)])
    assert "briefbot" not in json.dumps(blocks) + text
    assert "`/ai-feeds pause|resume|remove <id>`" in json.dumps(blocks)


def test_a_reply_slack_refuses_is_logged_and_sent_as_short_text(
    bot_server: BotServer, fake_slack: FakeSlack, monkeypatch: Any, caplog: Any
) -> None:
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]  # Slack refuses empty text
    monkeypatch.setattr(ai_feeds, "_run", lambda *_a: ("Curated feeds (1 feed)", bad))
    _ack(bot_server, "list", "UADMIN")
    fallback = fake_slack.wait_for("response_url", timeout=10)
    [refused] = fake_slack.calls_to("response_url!error")
    assert refused.args["blocks"] == bad
    assert fallback.args["text"] == "Curated feeds (1 feed)" and "blocks" not in fallback.args
    assert any("Slack refused a reply" in r.getMessage() for r in caplog.records)
