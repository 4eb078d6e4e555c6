"""The SQL ``ItemStore``: stored feed entries (newest first) and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select

from feeds.records import ItemInfo
from storage import Database
from storage.models import DeliveredStory, Feed, FeedDepartment, Item, Story


class SqlItemStore:
    """``ItemStore`` on SQLAlchemy; see ``feeds.store.protocols`` for the contract."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def newest(self, *, department: str | None, limit: int, include_backlog: bool) -> list[ItemInfo]:
        with self.db.read() as session:
            query = select(Item, Feed).join(Feed, Item.feed_id == Feed.id)
            if department:
                query = query.where(
                    exists().where(
                        FeedDepartment.feed_id == Item.feed_id, FeedDepartment.department == department
                    )
                )
            if not include_backlog:
                query = query.where(Item.is_backlog.is_(False))
            query = query.order_by(Item.published_at.desc(), Item.id.desc()).limit(limit)
            return [
                ItemInfo(
                    id=item.id,
                    feed_id=feed.id,
                    feed=feed.display_name,
                    title=item.title,
                    link=item.link,
                    summary=item.summary,
                    author=item.author,
                    categories=tuple(item.categories or ()),
                    published_at=item.published_at,
                    first_seen_at=item.first_seen_at,
                    is_backlog=item.is_backlog,
                    story_id=item.story_id,
                    departments=tuple(sorted(d.department for d in feed.departments)),
                )
                for item, feed in session.execute(query)
            ]

    def prune(self, cutoff: datetime) -> tuple[int, int]:
        delivered = select(DeliveredStory.story_id)
        with self.db.session() as session:
            items = _rowcount(
                session.execute(
                    delete(Item).where(
                        Item.published_at < cutoff,
                        Item.first_seen_at < cutoff,
                        or_(Item.story_id.is_(None), Item.story_id.not_in(delivered)),
                    )
                )
            )
            stories = _rowcount(
                session.execute(
                    delete(Story).where(
                        ~exists().where(Item.story_id == Story.id),
                        Story.id.not_in(delivered),
                        Story.first_seen_at < cutoff,
                    )
                )
            )
        return items, stories


def _rowcount(result: Any) -> int:
    # DELETE returns a CursorResult; its rowcount is the number of rows removed.
    return int(getattr(result, "rowcount", 0) or 0)
