"""/ai-feeds end to end: signed slash commands into the real Bolt app over HTTP, feeds served by a
real loopback HTTP server, answers read back from the fake Slack's response URL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.refusals import REFUSALS, Subject, Surface
from storage.audit import recent
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.mock_web_api_server import FakeSlack, validate_blocks

REFUSAL = REFUSALS[Surface.SLASH_COMMAND, Subject.FEEDS]


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def command(bot_server: BotServer, text: str, user_id: str = "UADMIN") -> dict[str, Any]:
    """Send ``/ai-feeds text``; return the ack body (checked to arrive within Slack's 3 s)."""
    started = time.monotonic()
    response = bot_server.slack.command("/ai-feeds", text, user_id=user_id)
    assert time.monotonic() - started < 3.0
    assert response.status_code == 200
    return response.json() if response.content else {}


def answer(fake_slack: FakeSlack, count: int = 1) -> dict[str, Any]:
    """The ``count``-th message posted to a response URL, validated like Slack would."""
    args = fake_slack.wait_for("response_url", count=count, timeout=10).args
    assert args.get("response_type") == "ephemeral"
    assert args.get("text"), "a fallback text must accompany blocks"
    assert validate_blocks(args.get("blocks", [])) == []
    return args


def test_non_admins_are_refused_politely_and_nothing_happens(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    url = site.route("/feed", feed_reply([item(1)]))
    for text in (f"add {url} finance", "list", "remove 1", f"test {url}"):
        body = command(bot_server, text, user_id="U1")
        assert body == {"text": REFUSAL, "response_type": "ephemeral"}
    time.sleep(0.3)
    assert fake_slack.calls_to("response_url") == []
    assert site.requests == [] and bot_server.services.feeds.list() == []


def test_admin_adds_a_feed_with_departments_and_it_is_audited(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    url = site.route("/feed", feed_reply([item(1), item(2)]))
    ack = command(bot_server, f"add <{url}> finance people name: AI Daily")
    assert "Fetching" in ack["text"]
    shown = str(answer(fake_slack)["blocks"])
    assert "Added *#1 AI Daily* · finance, hr" in shown
    assert "Imported 2 current items as backlog" in shown
    with bot_server.services.db.read() as session:
        entry = recent(session, 1)[0]
    assert (entry.action, entry.actor, entry.source) == ("feed.add", "UADMIN", "slack")

    command(bot_server, f"add {url} legal")
    assert "already curated as #1" in str(answer(fake_slack, 2)["blocks"])


def test_a_url_that_gives_no_feed_is_refused_unless_forced_and_a_page_leads_to_its_feed(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    gone = site.route("/gone.xml", Reply(status=404))
    command(bot_server, f"add {gone} legal")
    refused = str(answer(fake_slack)["blocks"])
    assert "not added" in refused and "--force" in refused
    assert bot_server.services.feeds.list() == []
    command(bot_server, f"add {gone} legal —force")  # Slack's autocorrected "--"
    assert "The first fetch failed" in str(answer(fake_slack, 2)["blocks"])
    assert [f.url for f in bot_server.services.feeds.list()] == [gone]
    feed = site.route("/news.xml", feed_reply([item(1)]))
    page = site.route(
        "/news",
        Reply(
            body=f'<link rel="alternate" type="application/rss+xml" href="{feed}">'.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        ),
    )
    command(bot_server, f"add {page} legal")
    added = str(answer(fake_slack, 3)["blocks"])
    assert "Found this feed on" in added and feed in added


def test_workspace_admins_from_users_info_may_curate(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    fake_slack.users["UOWNER"] = {"is_owner": True}
    command(bot_server, "list", user_id="UOWNER")
    assert "No feeds yet" in answer(fake_slack)["text"]


def test_list_shows_health_and_escapes_feed_text(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    feeds = bot_server.services.feeds
    feeds.add(site.route("/ok", feed_reply([item(1)], title="Good <!channel> feed")), ["legal"])
    feeds.add(site.route("/broken", Reply(status=500)), ["hr"], name="Broken <@U999>")
    command(bot_server, "list")
    message = answer(fake_slack)
    shown = str(message["blocks"])
    assert "2 feeds, 1 failing" in shown
    assert "Good &lt;!channel&gt; feed" in shown and "Broken &lt;@U999&gt;" in shown
    assert "1 error(s) in a row" in shown and "HTTP 500" in shown
    assert ":white_check_mark: ok" in shown and ":warning: failing" in shown
    for text in (shown, message["text"]):
        assert "<!channel>" not in text and "<@U999>" not in text


def test_test_previews_items_harmlessly_and_saves_nothing(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    hostile = item(
        1,
        title="Heads up <!channel> from <@U123>",
        description="<script>alert(1)</script>Ping <!here> &amp; friends",
    )
    url = site.route("/feed", feed_reply([hostile, item(2)], title="Preview <!everyone>"))
    command(bot_server, f"test {url}")
    message = answer(fake_slack)
    shown = str(message["blocks"])
    assert "Preview (nothing saved)" in shown and "2 items" in shown
    assert "Heads up &lt;!channel&gt; from &lt;@U123&gt;" in shown
    assert "alert(1)" not in shown
    for text in (shown, message["text"]):
        for live in ("<!channel>", "<@U123>", "<!here>", "<!everyone>"):
            assert live not in text
    assert bot_server.services.feeds.list() == []


def test_pause_resume_remove_by_id(bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer) -> None:
    bot_server.services.feeds.add(site.route("/feed", feed_reply([item(1)])), ["operations"], name="Ops")
    steps = [
        ("pause 1", "Paused *#1 Ops*"),
        ("pause 1", "is already paused"),
        ("resume #1", "Resumed *#1 Ops*"),
        ("remove 1", "Removed *#1 Ops* · operations and its 1 items"),
        ("remove 1", "No feed #1: `/ai-feeds list` shows every feed's id."),
    ]
    for count, (text, expected) in enumerate(steps, 1):
        command(bot_server, text)
        assert expected in str(answer(fake_slack, count)["blocks"])
    with bot_server.services.db.read() as session:
        actions = [e.action for e in recent(session, 3)]
    assert actions == ["feed.remove", "feed.resume", "feed.pause"]


def test_bad_input_gets_usage_or_a_clear_message(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    for text in ("", "help", "frobnicate"):
        body = command(bot_server, text)
        assert body["response_type"] == "ephemeral" and "/ai-feeds add <url> <dept...>" in str(body["blocks"])
    assert "frobnicate" in str(command(bot_server, "frobnicate")["blocks"])

    command(bot_server, "add https://feeds.example.com/rss marketing")
    assert "Unknown department" in answer(fake_slack, 1)["text"]
    assert "finance (fin), legal (compliance), operations (ops), hr (people)" in answer(fake_slack, 1)["text"]
    command(bot_server, "add https://feeds.example.com/rss")
    assert "at least one department" in answer(fake_slack, 2)["text"]
    command(bot_server, "pause")
    assert "Which feed?" in answer(fake_slack, 3)["text"]
    command(bot_server, "add ftp://feeds.example.com/rss hr")
    assert "only http:// and https://" in answer(fake_slack, 4)["text"]
    assert bot_server.services.feeds.list() == []


def test_admin_retags_and_renames_a_feed_audited(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    feeds = bot_server.services.feeds
    feed = feeds.add(site.route("/feed", feed_reply([item(1), item(2)])), ["legal"], name="Reg Watch").feed

    assert command(bot_server, "tag 1 finance, people") == {}
    message = answer(fake_slack)
    assert "Re-tagged *#1 Reg Watch* · finance, hr (was legal)" in str(message["blocks"])
    command(bot_server, "rename #1 “AI <!channel> Money”")
    shown = str(answer(fake_slack, 2)["blocks"])
    assert "Renamed *#1 AI &lt;!channel&gt; Money* · finance, hr (was Reg Watch)" in shown
    assert "<!channel>" not in shown
    command(bot_server, "tag 1 hr finance")
    assert "nothing changed" in str(answer(fake_slack, 3)["blocks"])

    after = feeds.get(feed.id)
    assert (after.departments, after.name, after.item_count) == (("finance", "hr"), "AI <!channel> Money", 2)
    with bot_server.services.db.read() as session:
        rename, retag = recent(session, 2)
    assert (retag.action, retag.actor, retag.source) == ("feed.edit", "UADMIN", "slack")
    assert (retag.detail["old_departments"], retag.detail["departments"]) == (["legal"], ["finance", "hr"])
    assert (rename.action, rename.actor) == ("feed.edit", "UADMIN")
    assert (rename.detail["old_name"], rename.detail["name"]) == ("Reg Watch", "AI <!channel> Money")
    assert "old_departments" not in rename.detail


def test_non_admins_cannot_retag_or_rename(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    feeds = bot_server.services.feeds
    feeds.add(site.route("/feed", feed_reply([item(1)])), ["legal"], name="Reg Watch")
    for text in ("tag 1 finance", "rename 1 Mine now"):
        assert command(bot_server, text, user_id="U1") == {
            "text": REFUSAL,
            "response_type": "ephemeral",
        }
    time.sleep(0.3)
    assert fake_slack.calls_to("response_url") == []
    (feed,) = feeds.list()
    assert (feed.departments, feed.name) == (("legal",), "Reg Watch")
    with bot_server.services.db.read() as session:
        assert [e.action for e in recent(session, 5) if e.action.startswith("feed")] == ["feed.add"]


def test_bad_tag_and_rename_input_gets_a_clear_message(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    bot_server.services.feeds.add(site.route("/feed", feed_reply([item(1)])), ["legal"], name="Reg Watch")
    steps = [
        ("tag", "Which feed?"),
        ("tag 1", "Which departments?"),
        ("rename 1", "Which name?"),
        ("tag 9 hr", "No feed #9: `/ai-feeds list`"),
        ("rename 9 New", "No feed #9: `/ai-feeds list`"),
        ("tag 1 marketing", "Unknown department 'marketing'"),
    ]
    for count, (text, expected) in enumerate(steps, 1):
        command(bot_server, text)
        assert expected in answer(fake_slack, count)["text"], text
    assert "/ai-feeds tag <id> <dept...>" in str(command(bot_server, "help")["blocks"])
    (feed,) = bot_server.services.feeds.list()
    assert (feed.departments, feed.name) == (("legal",), "Reg Watch")
    with bot_server.services.db.read() as session:
        assert [e.action for e in recent(session, 5) if e.action.startswith("feed")] == ["feed.add"]


def test_a_change_by_slash_command_refreshes_the_admins_app_home(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    url = site.route("/feed", feed_reply([item(1)]))
    command(bot_server, f"add {url} legal")
    answer(fake_slack)
    published = fake_slack.wait_for("views.publish", timeout=10).args
    assert published["user_id"] == "UADMIN"
    view = published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    assert "feed_pause" in json.dumps(view)  # the new feed is in the admin's feed-health table
    command(bot_server, "list")
    answer(fake_slack, 2)
    assert len(fake_slack.calls_to("views.publish")) == 1  # a listing changes nothing: no republish
