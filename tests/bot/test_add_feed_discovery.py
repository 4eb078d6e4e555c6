"""The add-feed modal finds the feed a web page names, as ``briefbot feeds add`` does: signed
view submissions into the real Bolt app, the fake Slack recording the views, feeds on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.test_app_home import published
from tests.bot.test_modals import LEGAL_ITEMS, feed_values, submit, updated
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, Reply, feed_reply
from tests.mock_web_api_server import FakeSlack

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def test_a_page_that_names_its_feed_previews_and_saves_that_feed(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    feed_url = site.route("/feed.xml", feed_reply(LEGAL_ITEMS, title="Policy Watch"))
    head = '<link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">'
    blog = site.route(
        "/blog", Reply(body=f"<html><head>{head}</head><body>Hi</body></html>".encode(), headers=HTML)
    )

    submit(bot_server, "add_feed", feed_values(blog, ["legal"]))
    preview = updated(fake_slack, 1)
    shown = str(preview["blocks"])
    assert "*Policy Watch*: 4 items" in shown and f"Found this feed on <{blog}|" in shown
    assert f"<{feed_url}|" in shown  # the draft the admin saves is the feed, not the page
    assert preview["submit"]["text"] == "Save feed"

    submit(bot_server, "add_feed_preview", {}, private_metadata=preview["private_metadata"])
    assert "Added *#1 Policy Watch* · legal" in str(updated(fake_slack, 2)["blocks"])
    [feed] = bot_server.services.feeds.list()
    assert (feed.url, feed.health, feed.item_count) == (feed_url, "ok", 4)
    assert len(site.hits("/blog")) == 1  # saving fetched the feed, not the page again


def test_a_page_without_a_feed_can_still_be_saved_anyway(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    blog = site.route(
        "/blog", Reply(body=b"<!doctype html><html><head></head><body>Hi</body></html>", headers=HTML)
    )
    submit(bot_server, "add_feed", feed_values(blog, ["finance"]))
    failed = updated(fake_slack, 1)
    assert "names no feed" in str(failed["blocks"]) and failed["submit"]["text"] == "Save anyway"
    submit(bot_server, "add_feed_preview", {}, private_metadata=failed["private_metadata"])
    assert "failing" in str(published(fake_slack, "UADMIN")["blocks"])
    [feed] = bot_server.services.feeds.list()
    assert (feed.url, feed.health) == (blog, "failing")
