"""JSON Feed 1.0 / 1.1 (issue 13, item 1): parsed like RSS/Atom, over loopback in `add`, `test`,
OPML import and refresh, and hostile JSON refused with a clear message."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from feeds.errors import FetchError, ParseError
from feeds.parse import parse_feed
from feeds.service import FeedService
from tests.feeds.conftest import NOW, FeedServer, Reply

URL = "https://json.example.com/feed.json"
LATER = NOW + timedelta(days=1)
RECENT = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()


def json_feed(items: list[dict[str, Any]], *, version: str = "1.1", **top: Any) -> bytes:
    doc: dict[str, Any] = {
        "version": f"https://jsonfeed.org/version/{version}",
        "title": "JSON news",
        "home_page_url": "https://json.example.com/",
        "feed_url": URL,
        **top,
        "items": items,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def json_item(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"urn:json:{n}",
        "url": f"https://json.example.com/posts/{n}",
        "title": f"JSON story {n} about governance",
        "content_html": f"<p>Body of <b>story {n}</b><script>alert(1)</script></p>",
        "date_published": RECENT,
        **fields,
    }


def parse(body: bytes, content_type: str | None = "application/feed+json"):
    return parse_feed(body, url=URL, content_type=content_type, now=LATER)


def test_json_feed_11_entries_are_normalised_like_rss() -> None:
    body = json_feed(
        [
            json_item(
                1,
                url="/posts/1",
                date_published="2026-11-19T10:00:00+02:00",
                date_modified="2026-11-19T12:00:00Z",
                authors=[{"name": "Ana Ruiz", "url": "https://json.example.com/ana"}],
                tags=["Privacy", "EU AI Act", 7],
                attachments=[{"url": "https://cdn.example.com/a.mp3", "mime_type": "audio/mpeg"}],
            )
        ]
    )
    feed = parse(body)
    assert (feed.title, feed.site_url, feed.version) == ("JSON news", "https://json.example.com/", "json11")
    (entry,) = feed.entries
    assert entry.guid == "urn:json:1"
    assert entry.link == "https://json.example.com/posts/1"  # made absolute against the feed URL
    assert entry.title == "JSON story 1 about governance"
    assert entry.summary == "Body of story 1"  # HTML stripped, script dropped
    assert entry.published_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC) and entry.dated
    assert entry.author == "Ana Ruiz"
    assert entry.categories == ("Privacy", "EU AI Act")
    assert feed.warning is None


def test_json_feed_10_author_summary_text_and_external_url() -> None:
    body = json_feed(
        [
            {
                "id": 42,
                "external_url": "https://elsewhere.example.com/x",
                "content_text": "Plain <text> body",
            },
            {
                "id": "b",
                "url": "https://json.example.com/b",
                "summary": "Short",
                "content_html": "<p>Long</p>",
            },
        ],
        version="1",
        author={"name": "Desk"},
    )
    feed = parse(body, content_type="application/json; charset=utf-8")
    first, second = feed.entries
    assert feed.version == "json1"
    assert first.guid == "42" and first.link == "https://elsewhere.example.com/x"
    assert first.summary == "Plain <text> body" and first.title == "Plain <text> body"
    assert first.author == "Desk"  # an item inherits the feed's author
    assert not first.dated and first.published_at == LATER
    assert second.summary == "Short"  # the summary wins over the full content, as in RSS


def test_json_feed_is_recognised_whatever_the_content_type() -> None:
    body = b"\xef\xbb\xbf \n" + json_feed([json_item(1)])
    for content_type in (None, "text/plain", "application/octet-stream", "text/html"):
        assert len(parse(body, content_type).entries) == 1


def test_json_feed_without_items_is_empty_with_the_warning() -> None:
    feed = parse(json_feed([]))
    assert feed.entries == () and feed.warning == "the feed lists no items"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"title": "x", "items": []}', "JSON without a jsonfeed.org version"),
        (b'{"version": "https://example.com/v1", "items": []}', "JSON without a jsonfeed.org version"),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": {"a": 1}}',
            '"items" is missing or not a list',
        ),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "invalid JSON"),
        (b'{"version": 11}', "JSON without a jsonfeed.org version"),
        (b'{"version": "https://jsonfeed.org/version/1", "n": ' + b"9" * 5000 + b"}", "invalid JSON"),
        (b"{" + b'"a": [' * 200_000, "nested too deeply|invalid JSON"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_or_broken_json_is_refused_clearly(body: bytes, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(ParseError, match=message):
        parse(body)
    assert time.monotonic() - started < 2


def test_wrong_types_are_skipped_not_trusted() -> None:
    body = json_feed(
        [
            "not an item",
            None,
            {
                "id": True,
                "url": ["https://x"],
                "title": {"html": "x"},
                "content_html": 5,
                "date_published": "yesterday",
                "authors": "Ana",
                "tags": "AI",
            },
            {
                "id": "ok",
                "url": "javascript:alert(1)",
                "title": "T",
                "date_published": "0001-01-01T00:00:00+14:00",
            },
        ],
        title=["not", "a", "string"],
    )
    feed = parse(body)
    assert feed.title == ""
    weird, ok = feed.entries
    assert weird.guid is None and weird.link is None and weird.title == "(untitled)"
    assert weird.author is None and weird.categories == () and not weird.dated
    assert ok.guid == "ok" and ok.link is None and not ok.dated  # only http(s) links; absurd date ignored


def test_invalid_utf8_is_kept_with_a_warning() -> None:
    body = json_feed([json_item(1, title="Caf\u00e9 news")]).replace("Café".encode(), b"Caf\xe9")
    feed = parse(body)
    assert feed.entries[0].title == "Caf\ufffd news"
    assert feed.warning and "not valid UTF-8" in feed.warning


def test_huge_json_feed_keeps_the_first_thousand_items_quickly() -> None:
    body = json_feed([json_item(n) for n in range(20_000)])
    assert len(body) > 3_000_000
    started = time.monotonic()
    feed = parse(body)
    assert len(feed.entries) == 1000 and feed.entries[0].guid == "urn:json:0"
    assert time.monotonic() - started < 10


# ----------------------------------------------------------------------------- over loopback


def _reply(body: bytes, content_type: str = "application/feed+json") -> Reply:
    return Reply(body=body, headers={"Content-Type": content_type})


def test_json_feed_add_test_and_refresh_over_http(feed_service: FeedService, feed_server: FeedServer) -> None:
    first = _reply(json_feed([json_item(1), json_item(2)]))
    url = feed_server.route(
        "/feed.json", first, first, _reply(json_feed([json_item(3), json_item(1), json_item(2)]))
    )
    preview = feed_service.test(url)
    assert preview.title == "JSON news" and preview.item_count == 2
    assert [i.title for i in preview.items] == [
        "JSON story 1 about governance",
        "JSON story 2 about governance",
    ]
    assert "application/feed+json" in feed_server.hits("/feed.json")[0].headers["accept"]

    added = feed_service.add(url, ["legal"])
    assert added.first_fetch is not None and added.first_fetch.outcome == "new"
    assert added.first_fetch.backlog == 2 and added.feed.health == "ok"
    report = feed_service.refresh(force=True)
    (outcome,) = report.outcomes
    assert (outcome.outcome, outcome.new, outcome.backlog, outcome.unchanged) == ("new", 1, 0, 2)


def test_json_feed_preview_of_a_non_feed_says_why(feed_service: FeedService, feed_server: FeedServer) -> None:
    url = feed_server.route("/api", _reply(b'{"status": "ok"}', "application/json"))
    with pytest.raises(FetchError, match="JSON without a jsonfeed"):
        feed_service.test(url)


def test_json_feed_from_opml_import_is_fetched_at_the_next_refresh(
    feed_service: FeedService, feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.json", _reply(json_feed([json_item(1)]), "application/json"))
    opml = (
        '<?xml version="1.0"?><opml version="2.0"><body>'
        f'<outline text="JSON" type="rss" xmlUrl="{url}" category="hr"/></body></opml>'
    )
    report = feed_service.import_opml(opml)
    assert report.count("added") == 1
    (outcome,) = feed_service.refresh().outcomes
    assert (outcome.outcome, outcome.new) == ("new", 1)
    (feed,) = feed_service.list()
    assert feed.title == "JSON news" and feed.item_count == 1 and feed.health == "ok"


def test_json_feed_dates_in_rfc_822_are_read() -> None:
    # Feeds converted from RSS keep its dates; dropping them made every item "undated".
    feed = parse(json_feed([json_item(1, date_published="Thu, 19 Nov 2026 10:00:00 +0200")]))
    (entry,) = feed.entries
    assert entry.dated and entry.published_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
