"""Feed health for feeds that answer but list nothing (issue 13, item 4): "empty" with the reason,
on the first fetch as on later ones, and "ok" again once items appear."""

from __future__ import annotations

from feeds.service import FeedService
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item


def test_empty_feed_is_reported_empty_never_unchanged(
    feed_service: FeedService, feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed", feed_reply([]), feed_reply([], title="Renamed"), feed_reply([item(1)]))
    added = feed_service.add(url, ["finance"])
    first = added.first_fetch
    assert first is not None and first.outcome == "empty"  # a first fetch has nothing "unchanged"
    assert first.warning == "the feed lists no items"
    assert added.feed.health == "empty" and added.feed.last_warning == "the feed lists no items"

    again = feed_service.refresh(force=True)
    assert [o.outcome for o in again.outcomes] == ["empty"]
    assert again.totals["empty"] == 1 and again.totals["unchanged"] == 0
    (feed,) = feed_service.list()
    assert feed.health == "empty"

    feed_service.refresh(force=True)
    (feed,) = feed_service.list()
    assert feed.health == "ok" and feed.last_warning is None and feed.item_count == 1


def test_unchanged_body_of_an_empty_feed_stays_empty(
    feed_service: FeedService, feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed", feed_reply([]))
    feed_service.add(url, ["legal"])
    report = feed_service.refresh(force=True)
    assert [o.outcome for o in report.outcomes] == ["not_modified"]  # same bytes: not parsed again
    assert feed_service.list()[0].health == "empty"


def test_json_feed_without_items_is_empty_too(feed_service: FeedService, feed_server: FeedServer) -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": "Quiet", "items": []}'
    url = feed_server.route("/feed.json", Reply(body=body, headers={"Content-Type": "application/feed+json"}))
    added = feed_service.add(url, ["operations"])
    assert added.first_fetch is not None and added.first_fetch.outcome == "empty"
    assert added.feed.health == "empty" and added.feed.title == "Quiet"
