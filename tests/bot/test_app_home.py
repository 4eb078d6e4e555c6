"""App Home end to end: signed ``app_home_opened`` events and ``block_actions`` clicks into the real
Bolt app over HTTP; the published views are read back from the fake Slack and validated."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import bot.listeners.actions.home as home_actions
from bot.delivery import SlackSink
from feeds.starter import StarterFeed
from foundation.departments import DepartmentRegistry
from storage.audit import Actor
from storage.audit import recent_entries as recent_audit
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.mock_web_api_server import FakeSlack, validate_view
from tests.slack_requests import app_home_opened, block_actions

ADMIN = Actor.slack("UADMIN")
ADMIN_IDS = (
    "home_add_feed",
    "home_subscribe",
    "home_starter",
    "home_edit_subscription",
    "feed_pause",
    "feed_resume",
    "feed_refresh",
)


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def action_ids(view: dict[str, Any]) -> list[str]:
    ids = []
    for block in view["blocks"]:
        ids += [e.get("action_id") for e in block.get("elements") or [] if isinstance(e, dict)]
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            ids.append(accessory.get("action_id"))
    return [i for i in ids if i]


def published(fake: FakeSlack, user_id: str, count: int = 1) -> dict[str, Any]:
    """The ``count``-th Home published for ``user_id``, checked the way Slack would."""
    deadline = time.monotonic() + 10
    while True:
        calls = [c for c in fake.calls_to("views.publish") if c.args.get("user_id") == user_id]
        if len(calls) >= count:
            view: dict[str, Any] = calls[count - 1].args["view"]
            assert view["type"] == "home"
            assert validate_view(view) == []
            return view
        assert time.monotonic() < deadline, f"no views.publish #{count} for {user_id}"
        time.sleep(0.02)


def open_home(bot: BotServer, fake: FakeSlack, user_id: str) -> dict[str, Any]:
    before = len([c for c in fake.calls_to("views.publish") if c.args.get("user_id") == user_id])
    started = time.monotonic()
    response = bot.slack.event(app_home_opened(user_id))
    assert response.status_code == 200 and time.monotonic() - started < 3.0
    return published(fake, user_id, before + 1)


def click(bot: BotServer, action_id: str, user_id: str = "UADMIN", **kwargs: Any) -> None:
    started = time.monotonic()
    response = bot.slack.interaction(block_actions(action_id, user_id=user_id, **kwargs))
    assert response.status_code == 200 and time.monotonic() - started < 3.0


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_admin_home_shows_feed_health_subscriptions_pack_and_recent_changes(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    services = bot_server.services
    good = site.route("/good", feed_reply([item(1), item(2)], title="AI Daily"))
    bad = site.route("/bad", Reply(status=500), Reply(status=500))
    services.feeds.add(good, ["legal"], name="AI Daily")
    services.feeds.add(bad, ["finance", "hr"], name="Broken <!channel> feed")
    services.briefings.subscribe("CLEGAL", "legal", "weekdays 09:00", timezone="Europe/Berlin", actor=ADMIN)

    view = open_home(bot_server, fake_slack, "UADMIN")
    text = str(view["blocks"])
    ids = action_ids(view)
    assert {"home_add_feed", "home_subscribe", "home_edit_subscription", "feed_pause", "feed_refresh"} <= set(
        ids
    )
    assert "Feeds (2, 1 failing)" in text
    # The failing feed comes first, its hostile name shown, never executed.
    assert text.index("Broken &lt;!channel&gt; feed") < text.index("AI Daily")
    assert "1 failure(s) in a row; last: HTTP 500" in text
    assert "2 items in 7 days" in text
    assert (
        "<#CLEGAL>" in text and "`weekdays 09:00` (Europe/Berlin)" in text and "last delivery never" in text
    )
    assert "Knowledge pack" in text and "*Policies*:" in text and "*Certifications*:" in text
    assert "Recent changes" in text and "subscription" in text and "feed.add" in text
    pause_values = [
        e["value"]
        for b in view["blocks"]
        for e in b.get("elements") or []
        if e.get("action_id") == "feed_pause"
    ]
    assert sorted(pause_values) == ["1", "2"]


def test_reader_home_shows_their_channels_briefings_and_no_admin_controls(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    services = bot_server.services
    services.briefings.subscribe("CLEGAL", "legal", "weekdays 09:00", actor=ADMIN)
    services.briefings.subscribe("CFIN", "finance", "daily 08:00", actor=ADMIN)
    fake_slack.memberships["UREADER"] = ["CLEGAL", "CRANDOM"]

    view = open_home(bot_server, fake_slack, "UREADER")
    text = str(view["blocks"])
    assert not set(action_ids(view)) & set(ADMIN_IDS)
    assert "<#CLEGAL>" in text and "CFIN" not in text
    for command in ("/ai-policy", "/ai-certs", "/ai-brief", "/ai-feeds"):
        assert command in text
    assert "Certifications for your channels' departments" in text
    [listing] = fake_slack.calls_to("users.conversations")
    assert listing.args["user"] == "UREADER"


def test_reader_without_briefings_is_told_how_to_get_one(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    view = open_home(bot_server, fake_slack, "UREADER")
    assert "None of your channels gets an AI briefing yet" in str(view["blocks"])


def test_messages_tab_publishes_nothing(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    assert bot_server.slack.event(app_home_opened("UADMIN", tab="messages")).status_code == 200
    time.sleep(0.3)
    assert fake_slack.calls_to("views.publish") == []


def test_a_refused_publish_falls_back_to_a_minimal_home(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    fake_slack.fail("views.publish", "invalid_blocks")
    bot_server.slack.event(app_home_opened("UADMIN"))
    view = published(fake_slack, "UADMIN")
    assert "couldn't build this view" in str(view["blocks"])


def test_pause_resume_and_refresh_buttons_change_the_feed_audit_and_republish(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    services = bot_server.services
    url = site.route("/feed", feed_reply([item(1)]))
    feed_id = services.feeds.add(url, ["legal"]).feed.id

    click(bot_server, "feed_pause", value=str(feed_id))
    home = published(fake_slack, "UADMIN", 1)
    assert services.feeds.get(feed_id).status == "paused"
    assert "feed_resume" in action_ids(home) and "feed_pause" not in action_ids(home)

    click(bot_server, "feed_resume", value=str(feed_id))
    published(fake_slack, "UADMIN", 2)
    assert services.feeds.get(feed_id).status == "active"

    fetched = len(site.hits("/feed"))
    click(bot_server, "feed_refresh", value=str(feed_id))
    published(fake_slack, "UADMIN", 3)
    assert len(site.hits("/feed")) == fetched + 1
    actions = [(e.action, e.actor) for e in recent_audit(services.db, 5)]
    assert ("feed.pause", "UADMIN") in actions and ("feed.resume", "UADMIN") in actions


def test_empty_home_offers_the_starter_pack_and_one_click_adds_the_readable_feeds(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = site.route("/hr.xml", feed_reply([item(i) for i in range(3)], title="HR outlet"))
    gone = site.route("/gone.xml", Reply(status=404))

    def pack(registry: DepartmentRegistry) -> list[StarterFeed]:
        # Loopback stand-ins for two of the pack's outlets: one readable, one gone.
        return [
            StarterFeed("An HR outlet", "hr press", ("hr", "operations"), good),
            StarterFeed("A dead outlet", "legal press", ("legal",), gone),
        ]

    monkeypatch.setattr(home_actions, "load_pack", pack)
    home = open_home(bot_server, fake_slack, "UADMIN")
    assert "home_starter" in action_ids(home) and "starter pack" in str(home["blocks"])

    click(bot_server, "home_starter")
    message = fake_slack.wait_for("chat.postMessage", timeout=10)
    assert message.args["channel"] == "UADMIN"
    assert "Starter pack: 1 added, 0 already there, 1 failed." in message.args["text"]
    assert "A dead outlet" in message.args["text"] and "404" in message.args["text"]
    feeds = bot_server.services.feeds.list()
    assert [(f.name, f.departments) for f in feeds] == [("An HR outlet", ("hr", "operations"))]
    republished = published(fake_slack, "UADMIN", 2)
    assert "An HR outlet" in str(republished["blocks"]) and "home_starter" not in action_ids(republished)
    assert ("feed.add", "UADMIN") in [(e.action, e.actor) for e in recent_audit(bot_server.services.db, 5)]


def test_a_missing_feed_is_explained_in_a_modal(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    click(bot_server, "feed_pause", value="99")
    opened = fake_slack.wait_for("views.open").args
    assert opened["trigger_id"] == "13345.trigger"
    assert validate_view(opened["view"]) == []
    assert "99" in str(opened["view"]["blocks"])
    published(fake_slack, "UADMIN")


def test_non_admin_clicks_are_refused_audited_and_change_nothing(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    services = bot_server.services
    feed_id = services.feeds.add(site.route("/feed", feed_reply([item(1)])), ["legal"]).feed.id
    for action_id in ("feed_pause", "home_add_feed"):
        click(bot_server, action_id, user_id="UREADER", value=str(feed_id))
    fake_slack.wait_for("views.open", count=2)
    for call in fake_slack.calls_to("views.open"):
        assert call.args["view"]["callback_id"] == "refused"
        assert "only briefing admins" in str(call.args["view"]["blocks"])
    assert services.feeds.get(feed_id).status == "active"
    wait_until(lambda: len([e for e in recent_audit(services.db, 5) if e.action == "refused"]) == 2)
    refused = [e for e in recent_audit(services.db, 5) if e.action == "refused"]
    assert {e.target for e in refused} == {f"feed_pause {feed_id}", "home_add_feed"}
    assert all(e.actor == "UREADER" and e.detail["reason"] == "not an admin" for e in refused)
    # The stale Home is replaced by the reader's view.
    assert not set(action_ids(published(fake_slack, "UREADER", 2))) & set(ADMIN_IDS)


def test_last_delivery_links_the_posted_briefing_stored_when_posted(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.client import make_web_client

    services = bot_server.services
    services.briefings.subscribe("CLEGAL", "legal", "daily 09:00", timezone="UTC", actor=ADMIN)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=5, second=0, microsecond=0)
    report = services.briefings.tick(SlackSink(make_web_client(services.settings)), now=tomorrow)
    assert [o.status for o in report.outcomes] == ["sent"]
    assert len(fake_slack.calls_to("chat.getPermalink")) == 1  # asked once, at delivery
    (sub,) = services.briefings.subscriptions()
    assert sub.last_permalink and sub.last_permalink.startswith("https://")
    text = str(open_home(bot_server, fake_slack, "UADMIN")["blocks"])
    assert f"<{sub.last_permalink}|last delivery" in text
    open_home(bot_server, fake_slack, "UADMIN")
    assert len(fake_slack.calls_to("chat.getPermalink")) == 1  # never looked up per view


def test_admin_home_lists_questions_no_policy_answered_readers_do_not_see_them(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    knowledge = bot_server.services.knowledge
    for _ in range(2):
        assert knowledge.policy_answer("can I bring my dog to the office").kind == "no_match"
    text = str(open_home(bot_server, fake_slack, "UADMIN")["blocks"])
    assert "Questions we could not answer" in text
    assert "“can I bring my dog to the office” · asked 2× · no policy" in text
    assert "Questions we could not answer" not in str(open_home(bot_server, fake_slack, "UREADER")["blocks"])


def test_admin_home_shows_each_channels_filters(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    briefings = bot_server.services.briefings
    briefings.subscribe("CLEGAL", "legal", "weekdays 09:00", actor=ADMIN)
    briefings.subscribe("CHR", "hr", "weekdays 09:00", actor=ADMIN)
    briefings.feedback.change_filter("CLEGAL", "mute", "crypto <!here>", actor=ADMIN)
    briefings.feedback.change_filter("CLEGAL", "boost", "EU AI Act", actor=ADMIN)
    text = str(open_home(bot_server, fake_slack, "UADMIN")["blocks"])
    assert "Channel filters and learning" in text
    assert "<#CLEGAL>: Muted: crypto here" in text and "<!here>" not in text and "eu ai act" in text.lower()
    assert "<#CHR>" not in text.split("Channel filters and learning")[1].split("Questions we")[0]
