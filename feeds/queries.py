"""Read queries other packages use instead of reading feeds' tables (briefings builds from these).

Each function takes the caller's session, so a briefing reads candidates and its delivery
ledger in one consistent transaction; each returns plain values or frozen dataclasses, never ORM
rows. Datetimes are timezone-aware UTC. Safe from any thread with that thread's own session.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Text, and_, cast, func, not_, or_, select
from sqlalchemy.orm import Session

from storage.models import Feed, FeedDepartment, Item, Story


@dataclass(frozen=True, slots=True)
class RecentItem:
    """A stored feed entry as a briefing sees it (sponsored entries are never returned)."""

    item_id: int
    story_id: int | None  # items of several feeds telling one story share it
    feed_id: int
    title: str
    summary: str
    link: str | None
    canonical_url: str | None
    published_at: datetime
    source: str  # the feed's display name: the admin's name, its own title or its host


def recent_items(
    session: Session,
    *,
    oldest: datetime,
    since: datetime,
    as_of: datetime,
    by_first_seen: bool,
    include_backlog: bool = False,
) -> list[RecentItem]:
    """Items published at or after ``oldest`` that are new between ``since`` and ``as_of``.

    With ``by_first_seen`` a live item is new when first seen in the window and a backlog item
    (stored when its feed was added or resumed) when published in it; otherwise every item
    published up to ``as_of`` counts. Either way an undated backlog item is never new: its date
    is only when we fetched it. ``include_backlog`` (previews only) adds every backlog item first
    seen in the window, whatever its date.
    """
    items = Item.__table__.c
    # Plain Core columns (no ORM entities): this is the hot path of every briefing.
    query = select(
        items.id,
        items.story_id,
        items.feed_id,
        items.title,
        items.summary,
        items.link,
        items.canonical_url,
        items.published_at,
        items.author,
        cast(items.categories, Text),
    )
    dated_backlog = and_(items.is_backlog.is_(True), items.dated.is_(True))
    if by_first_seen:
        query = query.where(
            items.published_at >= oldest,
            or_(
                and_(items.is_backlog.is_(False), items.first_seen_at > since, items.first_seen_at <= as_of),
                and_(dated_backlog, items.published_at > since, items.published_at <= as_of),
            ),
        )
    else:
        shown = and_(
            items.published_at >= oldest,
            items.published_at <= as_of,
            or_(items.is_backlog.is_(False), dated_backlog),
        )
        if include_backlog:
            shown = or_(shown, _backlog_seen(since, as_of))
        query = query.where(shown)
    sources = _feed_sources(session)
    return [
        RecentItem(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5], r[6], r[7], sources[r[2]])
        for r in session.connection().execute(query)
        if r[2] in sources and not _maybe_sponsored(r[8], r[9])
    ]


def held_back(session: Session, *, oldest: datetime, since: datetime, as_of: datetime) -> dict[int, int]:
    """Per feed, the backlog items first seen between ``since`` and ``as_of`` that a preview over
    the same window leaves out (undated, or published before ``oldest``)."""
    items = Item.__table__.c
    previewed = and_(items.dated.is_(True), items.published_at >= oldest, items.published_at <= as_of)
    query = (
        select(items.feed_id, func.count())
        .where(_backlog_seen(since, as_of), not_(previewed))
        .group_by(items.feed_id)
    )
    return {feed_id: count for feed_id, count in session.execute(query)}


def _backlog_seen(since: datetime, as_of: datetime) -> ColumnElement[bool]:
    items = Item.__table__.c
    return and_(items.is_backlog.is_(True), items.first_seen_at > since, items.first_seen_at <= as_of)


def feed_departments(session: Session, feed_ids: Iterable[int]) -> dict[int, set[str]]:
    """The department tags of each of ``feed_ids`` (read when a briefing is built, so re-tagging
    a feed counts at once)."""
    wanted = set(feed_ids)
    out: dict[int, set[str]] = defaultdict(set)
    if not wanted:
        return out
    for feed_id, dept in session.execute(select(FeedDepartment.feed_id, FeedDepartment.department)):
        if feed_id in wanted:
            out[feed_id].add(dept)
    return out


def story_titles(session: Session, story_ids: Iterable[int]) -> list[str]:
    """The headlines of ``story_ids`` (unknown ids are left out)."""
    ids = sorted(set(story_ids))
    titles: list[str] = []
    for start in range(0, len(ids), 500):
        titles += session.scalars(select(Story.title).where(Story.id.in_(ids[start : start + 500])))
    return titles


def story_headline(session: Session, story_id: int) -> tuple[str, str] | None:
    """(headline, first publisher's name) of a stored story, or None when it is gone."""
    row = session.execute(
        select(Story.title, Feed.name, Feed.title, Feed.url)
        .join(Item, Item.story_id == Story.id)
        .join(Feed, Feed.id == Item.feed_id)
        .where(Story.id == story_id)
        .order_by(Item.published_at, Item.id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], _source_name(row[1], row[2], row[3]))


def newest_published_at(session: Session) -> datetime | None:
    """When the newest stored item was published, or None without items."""
    return session.scalar(select(Item.published_at).order_by(Item.published_at.desc()).limit(1))


def is_sponsored(author: str | None, categories: object) -> bool:
    """Advertising dressed as news (author or category says so)."""
    labels = [author or ""]
    if isinstance(categories, list | tuple):
        labels += [str(c) for c in categories]
    return any(label.strip().lower() in _SPONSORED for label in labels)


_SPONSORED = frozenset(
    {
        "sponsored",
        "sponsored content",
        "advertisement",
        "advertorial",
        "promoted",
        "partner content",
        "paid post",
        "paid content",
        "ad",
    }
)


def _maybe_sponsored(author: str | None, categories_json: str | None) -> bool:
    # Categories arrive as JSON text; decoding every row is the costly part, so only rows whose
    # text mentions a marker are decoded and checked properly.
    raw = (categories_json or "").lower()
    if not author and not any(
        marker in raw for marker in ("sponsor", "advert", "promot", "partner", "paid", '"ad"')
    ):
        return False
    try:
        categories = json.loads(categories_json) if categories_json else []
    except ValueError:
        categories = []
    return is_sponsored(author, categories)


def _feed_sources(session: Session) -> dict[int, str]:
    return {
        feed_id: _source_name(name, title, url)
        for feed_id, name, title, url in session.execute(select(Feed.id, Feed.name, Feed.title, Feed.url))
    }


def _source_name(name: str | None, title: str | None, url: str | None) -> str:
    if name and name.strip():
        return name.strip()
    if title and title.strip():
        return title.strip()
    return urlsplit(url or "").hostname or "unknown source"
