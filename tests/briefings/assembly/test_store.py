"""Candidate stories from the database: cross-feed stories once, the backlog rule, previews."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from briefings.assembly.sql import load_candidates
from tests.briefings.factory import NOW, NewsFactory


def test_story_in_several_feeds_appears_once_naming_its_sources(services: Any) -> None:
    news = NewsFactory(services.db)
    reg = news.feed("Regulation Watch", "legal")
    gen = news.feed("General AI News", "finance", "hr")
    _, story = news.item(reg, "EU AI Act fines begin", "Short.", published_at=NOW - timedelta(hours=5))
    news.item(
        gen,
        "EU AI Act fines begin (update)",
        "A longer summary of the first fines.",
        story_id=story,
        published_at=NOW - timedelta(hours=4),
    )
    briefing = services.briefings.build("legal", as_of=NOW)
    assert len(briefing.stories) == 1
    chosen = briefing.stories[0]
    assert chosen.sources == ("Regulation Watch", "General AI News")
    assert chosen.title == "EU AI Act fines begin"  # the first publisher's title
    assert chosen.summary == "A longer summary of the first fines."  # the fullest summary
    with services.db.read() as session:
        (candidate,) = load_candidates(session, since=NOW - timedelta(days=7), as_of=NOW, by_first_seen=False)
    assert candidate.feed_departments == frozenset({"legal", "finance", "hr"})


def test_backlog_counts_by_publication_date_for_scheduled_briefings(services: Any) -> None:
    news = NewsFactory(services.db)
    feed = news.feed("New Feed", "hr")
    since = NOW - timedelta(days=1)
    # Imported an hour ago when the feed was added, but published weeks or days back.
    imported = NOW - timedelta(hours=1)
    news.item(
        feed,
        "Layoffs archive story",
        published_at=NOW - timedelta(days=9),
        first_seen_at=imported,
        is_backlog=True,
    )
    news.item(
        feed,
        "Layoffs last week",
        published_at=NOW - timedelta(days=3),
        first_seen_at=imported,
        is_backlog=True,
    )
    news.item(
        feed,
        "Layoffs this morning",
        published_at=NOW - timedelta(hours=3),
        first_seen_at=imported,
        is_backlog=True,
    )
    # A live item: new because first seen after the last briefing, whatever its date says.
    news.item(
        feed, "Layoffs live", published_at=NOW - timedelta(days=2), first_seen_at=NOW - timedelta(hours=2)
    )
    # A live item seen before the last briefing: already considered then.
    news.item(
        feed,
        "Layoffs seen before",
        published_at=NOW - timedelta(days=2),
        first_seen_at=NOW - timedelta(days=2),
    )
    with services.db.read() as session:
        scheduled = load_candidates(session, since=since, as_of=NOW, by_first_seen=True)
        preview = load_candidates(session, since=NOW - timedelta(days=7), as_of=NOW, by_first_seen=False)
    assert sorted(c.title for c in scheduled) == ["Layoffs live", "Layoffs this morning"]
    assert sorted(c.title for c in preview) == [
        "Layoffs last week",
        "Layoffs live",
        "Layoffs seen before",
        "Layoffs this morning",
    ]


def test_nothing_after_as_of_and_nothing_older_than_two_weeks(services: Any) -> None:
    news = NewsFactory(services.db)
    feed = news.feed("Feed", "hr")
    news.item(feed, "Layoffs from the future", published_at=NOW + timedelta(hours=1))
    news.item(
        feed, "Layoffs ancient", published_at=NOW - timedelta(days=20), first_seen_at=NOW - timedelta(hours=1)
    )
    news.item(feed, "Layoffs now", published_at=NOW - timedelta(hours=1))
    with services.db.read() as session:
        preview = load_candidates(session, since=NOW - timedelta(days=7), as_of=NOW, by_first_seen=False)
        scheduled = load_candidates(session, since=NOW - timedelta(days=1), as_of=NOW, by_first_seen=True)
    assert [c.title for c in preview] == ["Layoffs now"]
    assert [c.title for c in scheduled] == ["Layoffs now"]


def test_quiet_week_preview_is_not_an_error(services: Any) -> None:
    news = NewsFactory(services.db)
    feed = news.feed("Gadgets", "finance")
    news.item(feed, "New phone has a nicer camera")
    briefing = services.briefings.build("finance", as_of=NOW)
    assert briefing.quiet and briefing.considered == 1
    assert briefing.certification is None and briefing.policy is None


def test_sponsored_items_are_never_briefing_stories(services: Any) -> None:
    news = NewsFactory(services.db)
    feed = news.feed("General AI News", "finance")
    news.item(
        feed, "Slash your inference cost: FREE GPU credits", "Cost savings of 90%!", categories=["Sponsored"]
    )
    news.item(feed, "Cut AI costs with our platform", "Cost savings guaranteed.", author="Advertisement")
    news.item(feed, "CFO survey: AI ROI payback periods stretch", "Cost savings lag.")
    briefing = services.briefings.build("finance", as_of=NOW)
    assert [s.title for s in briefing.stories] == ["CFO survey: AI ROI payback periods stretch"]
