"""Slack's limits held on every surface: modal state that cannot overflow ``private_metadata``,
department pickers past 100 departments, labels escaped for mrkdwn, message size budgets, and
views that a late update cannot overwrite. Driven through signed requests into the real Bolt app
against the strict fake Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.test_modals import LEGAL_ITEMS, feed_values, submit, updated
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, feed_reply
from tests.mock_web_api_server import FakeSlack, validate_view
from tests.mock_web_api_server.server import PRIVATE_METADATA


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def test_a_long_url_and_a_non_ascii_name_preview_and_save(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    # Near the stored URL's 2,048-character cap, and a 255-character name that JSON's ASCII
    # escapes would have blown up six-fold.
    url = site.route("/feed", feed_reply(LEGAL_ITEMS, title="Policy Watch")) + "?" + "q=1&" * 500
    name = "Ü" + "新闻监测" * 63 + "!"
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal", "finance", "hr"], name))
    assert ack["response_action"] == "update"
    assert len(ack["view"]["private_metadata"]) <= PRIVATE_METADATA
    assert validate_view(ack["view"]) == []
    preview = updated(fake_slack, 1)
    assert "*Policy Watch*: 4 items" in str(preview["blocks"])
    assert len(preview["private_metadata"]) <= PRIVATE_METADATA

    submit(bot_server, "add_feed_preview", {}, private_metadata=preview["private_metadata"])
    done = updated(fake_slack, 2)
    assert "Added *#1" in str(done["blocks"])
    [feed] = bot_server.services.feeds.list()
    assert (feed.url, feed.name, set(feed.departments)) == (url, name, {"legal", "finance", "hr"})


def test_a_draft_that_cannot_fit_is_a_field_error_not_a_500(bot_server: BotServer, site: FeedServer) -> None:
    url = site.route("/feed", feed_reply(LEGAL_ITEMS)) + "?" + "q=1&" * 500
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal", "finance"] * 60, "n" * 255))
    assert ack["response_action"] == "errors"
    assert "more departments than one feed can carry" in ack["errors"]["departments"]
    assert site.hits("/feed") == []
