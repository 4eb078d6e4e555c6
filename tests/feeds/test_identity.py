"""Entry identity (issue 23): entries without a GUID that all link to one page stay apart, and the
next one is news; edits and re-dated entries keep their item; items stored under the old
link-only key keep theirs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sqlalchemy import select, update

from feeds.parse import parse_feed
from feeds.queries import recent_items
from feeds.service import FeedService
from storage import Database
from storage.models import Item
from storage.types import utcnow
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item

PAGE = "https://docs.example.com/cli/release-notes"


def release_notes(versions: range, *, newest: datetime) -> bytes:
    """A release-notes feed shaped like the one in the issue (and like many vendors' feeds): no
    GUIDs, every item linking to the one release-notes page, one item per release, newest first,
    a day apart, HTML bodies."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        "<title>Acme CLI release notes</title>",
        f"<link>{PAGE}</link>",
        f'<atom:link href="{PAGE}/feed.xml" rel="self" type="application/rss+xml"/>',
        "<description>Changes in each release of the Acme command line.</description>",
        "<language>en-us</language>",
    ]
    for age, version in enumerate(reversed(versions)):
        when = newest - timedelta(days=age)
        parts.append(
            f"<item><title>Acme CLI 4.{version}.0</title><link>{PAGE}</link>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description><![CDATA[<h3>Features</h3><ul><li>Model routing option "
            f"<code>--route-{version}</code></li></ul><h3>Fixes</h3><ul><li>Fix {version}</li></ul>]]>"
            "</description></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


def rss_reply(body: bytes) -> Reply:
    return Reply(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})


def _items(db: Database, feed_id: int) -> list[Item]:
    with db.read() as session:
        return list(session.scalars(select(Item).where(Item.feed_id == feed_id).order_by(Item.id)))


def test_guidless_entries_linking_to_one_page_are_each_an_entry() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    feed = parse_feed(release_notes(range(1, 100), newest=now), url=PAGE + "/feed.xml", now=now)
    assert len(feed.entries) == 99
    assert len({e.key for e in feed.entries}) == 99
    assert feed.entries[0].title == "Acme CLI 4.99.0"
    assert all(e.shared_link for e in feed.entries)


def test_release_notes_feed_keeps_every_release_and_posts_the_next_one(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    newest = utcnow().replace(microsecond=0) - timedelta(hours=3)
    url = feed_server.route(
        "/feed",
        rss_reply(release_notes(range(1, 100), newest=newest)),
        rss_reply(release_notes(range(1, 101), newest=newest + timedelta(hours=2))),
    )
    feed = feed_service.add(url, ["operations"]).feed
    assert feed.item_count == 99  # was 1: all merged under the page's link
    report = feed_service.refresh(force=True)
    (outcome,) = report.outcomes
    assert (outcome.outcome, outcome.new, outcome.updated, outcome.backlog) == ("new", 1, 0, 0)
    stored = _items(db, feed.id)
    assert len(stored) == 100
    (release,) = [i for i in stored if i.title == "Acme CLI 4.100.0"]
    assert not release.is_backlog
    # Its own story: the stories of the 99 older releases (already told) do not swallow it.
    assert release.story_id not in {i.story_id for i in stored if i.id != release.id}
    with db.read() as session:
        news = recent_items(
            session,
            oldest=newest - timedelta(days=1),
            since=utcnow() - timedelta(minutes=5),
            as_of=utcnow() + timedelta(minutes=1),
            by_first_seen=True,
        )
    assert [n.title for n in news] == ["Acme CLI 4.100.0"]


def test_guidless_entry_edits_update_in_place_and_a_new_date_alone_is_not_news(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    when = utcnow().replace(microsecond=0) - timedelta(hours=2)
    original = item(1, guid=None, date=when)
    retitled = item(1, guid=None, date=when, title="Story number 1 about enterprise AI adoption, corrected")
    redated = {**retitled, "date": when + timedelta(hours=1)}
    url = feed_server.route("/feed", feed_reply([original]), feed_reply([retitled]), feed_reply([redated]))
    feed = feed_service.add(url, ["finance"]).feed
    (fixed,) = feed_service.refresh(force=True).outcomes
    assert (fixed.outcome, fixed.new, fixed.updated) == ("updated", 0, 1)
    (moved,) = feed_service.refresh(force=True).outcomes
    assert (moved.outcome, moved.new, moved.updated, moved.unchanged) == ("unchanged", 0, 0, 1)
    (stored,) = _items(db, feed.id)
    assert stored.title.endswith("corrected") and stored.published_at == when


def test_items_stored_under_the_link_only_key_keep_their_item(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    entries = [item(n, guid=None) for n in (1, 2)]
    url = feed_server.route("/feed", feed_reply(entries), feed_reply([item(3, guid=None), *entries]))
    feed = feed_service.add(url, ["legal"]).feed
    with db.session() as session:  # as the previous version keyed them: the link alone
        for stored in session.scalars(select(Item).where(Item.feed_id == feed.id)):
            legacy = hashlib.blake2b(f"l:{stored.canonical_url}".encode(), digest_size=32).hexdigest()
            session.execute(update(Item).where(Item.id == stored.id).values(entry_key=legacy))
    (outcome,) = feed_service.refresh(force=True).outcomes
    assert (outcome.new, outcome.updated, outcome.unchanged) == (1, 0, 2)
    assert len(_items(db, feed.id)) == 3
    (again,) = feed_service.refresh(force=True).outcomes
    assert again.outcome in ("unchanged", "not_modified") and again.new == 0


def test_two_releases_on_one_day_linking_to_one_page_are_both_kept() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    body = release_notes(range(1, 3), newest=now).replace(
        format_datetime(now - timedelta(days=1)).encode(), format_datetime(now).encode()
    )
    feed = parse_feed(body, url=PAGE + "/feed.xml", now=now)
    assert [e.title for e in feed.entries] == ["Acme CLI 4.2.0", "Acme CLI 4.1.0"]
    assert len({e.key for e in feed.entries}) == 2
    again = parse_feed(body, url=PAGE + "/feed.xml", now=now + timedelta(hours=1))
    assert [e.key for e in again.entries] == [e.key for e in feed.entries]  # stable across refreshes
