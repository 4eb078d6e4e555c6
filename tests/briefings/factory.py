"""Builders that put feeds, stories and items straight into the database (as the feeds
package would after fetching), so briefing tests do not depend on fetching."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from storage import Database
from storage.models import Feed, FeedDepartment, Item, Story

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday
_seq = itertools.count(1)


class NewsFactory:
    """``news.feed("Reg Watch", "legal")`` then ``news.item(feed, "EU AI Act fines ...")``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def feed(self, name: str, *departments: str) -> int:
        with self.db.session() as s:
            n = next(_seq)
            feed = Feed(url=f"https://feed{n}.example.com/rss", name=name, title=name, status="active")
            feed.departments = [FeedDepartment(department=d) for d in departments]
            s.add(feed)
            s.flush()
            return feed.id

    def item(
        self,
        feed_id: int,
        title: str,
        summary: str = "",
        *,
        published_at: datetime | None = None,
        first_seen_at: datetime | None = None,
        is_backlog: bool = False,
        dated: bool = True,
        story_id: int | None = None,
        link: str | None = None,
        author: str | None = None,
        categories: list[str] | None = None,
    ) -> tuple[int, int]:
        """Add an item (and its story unless ``story_id`` joins an existing one): (item id, story id)."""
        published_at = published_at or NOW - timedelta(hours=2)
        first_seen_at = first_seen_at or published_at + timedelta(minutes=5)
        n = next(_seq)
        link = link if link is not None else f"https://news.example.com/story/{n}"
        with self.db.session() as s:
            if story_id is None:
                story = Story(
                    canonical_url=f"https://news.example.com/canonical/{n}",
                    title_key=title.lower()[:200],
                    title=title,
                    first_seen_at=first_seen_at,
                    published_at=published_at,
                )
                s.add(story)
                s.flush()
                story_id = story.id
            item = Item(
                feed_id=feed_id,
                entry_key=f"entry-{n}",
                guid=f"guid-{n}",
                link=link,
                canonical_url=link,
                title=title,
                summary=summary,
                categories=categories or [],
                author=author,
                published_at=published_at,
                first_seen_at=first_seen_at,
                updated_at=first_seen_at,
                is_backlog=is_backlog,
                dated=dated,
                story_id=story_id,
            )
            s.add(item)
            s.flush()
            return item.id, story_id
