"""Reading candidate stories for a briefing from the feeds tables (one query, plain rows).

Which items count as *new* for a briefing (the backlog rule):

* A live item (``is_backlog`` false) is new when it was **first seen** after ``since``.
* A backlog item (imported when its feed was added) is new only when it was **published** after
  ``since``: the import time says nothing about the news, so adding a feed with 500 archived
  entries brings in at most the few published since the last briefing.

Previews (``/ai-brief now``, ``briefbot brief``, the demo) use the publication date for every
item. ``since`` is the previous completed briefing of the subscription, or a week back. Either
way a briefing is one message of at most N stories with at most two per source, ranked on
relevance: nothing can flood a channel.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from briefings.rank import Candidate
from storage.models import DeliveredStory, Feed, FeedDepartment, Item, Story

MAX_AGE = timedelta(days=14)  # older news is never "new", whatever the feed claims


@dataclass(frozen=True)
class _Row:
    item_id: int
    story_id: int | None
    feed_id: int
    title: str
    summary: str
    link: str | None
    canonical_url: str | None
    published_at: datetime
    source: str


def load_candidates(
    session: Session, *, since: datetime, as_of: datetime, by_first_seen: bool
) -> list[Candidate]:
    """Stories new between ``since`` and ``as_of``, one per story (items from several feeds merged).

    ``by_first_seen`` selects the scheduled-delivery rule (see the module docstring).
    """
    oldest = max(since, as_of - MAX_AGE) if not by_first_seen else as_of - MAX_AGE
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
    ).where(items.published_at >= oldest)
    if by_first_seen:
        query = query.where(
            or_(
                and_(items.is_backlog.is_(False), items.first_seen_at > since, items.first_seen_at <= as_of),
                and_(items.is_backlog.is_(True), items.published_at > since, items.published_at <= as_of),
            )
        )
    else:
        query = query.where(items.published_at <= as_of)
    sources = _feed_sources(session)
    rows = [
        _Row(
            item_id=r[0],
            story_id=r[1],
            feed_id=r[2],
            title=r[3] or "",
            summary=r[4] or "",
            link=r[5],
            canonical_url=r[6],
            # A feed may date items in the future; they are as new as the moment we judge at.
            published_at=min(r[7], as_of),
            source=sources.get(r[2], "unknown source"),
        )
        for r in session.connection().execute(query)
        if r[2] in sources and not _maybe_sponsored(r[8], r[9])
    ]
    departments = _feed_departments(session, {r.feed_id for r in rows})
    return merge_stories(rows, departments)


def _feed_sources(session: Session) -> dict[int, str]:
    return {
        feed_id: _source_name(name, title, url)
        for feed_id, name, title, url in session.execute(select(Feed.id, Feed.name, Feed.title, Feed.url))
    }


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


def is_sponsored(author: str | None, categories: object) -> bool:
    """Advertising dressed as news (author or category says so): never a briefing story."""
    labels = [author or ""]
    if isinstance(categories, list | tuple):
        labels += [str(c) for c in categories]
    return any(label.strip().lower() in _SPONSORED for label in labels)


def _feed_departments(session: Session, feed_ids: set[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    if not feed_ids:
        return out
    for feed_id, dept in session.execute(select(FeedDepartment.feed_id, FeedDepartment.department)):
        if feed_id in feed_ids:
            out[feed_id].add(dept)
    return out


def _source_name(name: str | None, title: str | None, url: str | None) -> str:
    if name and name.strip():
        return name.strip()
    if title and title.strip():
        return title.strip()
    return urlsplit(url or "").hostname or "unknown source"


def _story_key(row: _Row) -> str:
    if row.story_id is not None:
        return f"story:{row.story_id}"
    if row.canonical_url:
        return f"url:{row.canonical_url}"
    return f"item:{row.item_id}"


def merge_stories(rows: Iterable[_Row], departments: dict[int, set[str]]) -> list[Candidate]:
    """One candidate per story: the first publisher's title and link, the fullest summary,
    every source named once (first publisher first), and the union of the feeds' departments."""
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        groups[_story_key(row)].append(row)
    out = []
    for key, items in groups.items():
        items.sort(key=lambda r: (r.published_at, r.item_id))
        first = items[0]
        sources: list[str] = []
        source_keys: list[str] = []
        tags: set[str] = set()
        for item in items:
            if item.source not in sources:
                sources.append(item.source)
                source_keys.append(f"feed:{item.feed_id}")
            tags |= departments.get(item.feed_id, set())
        # Links are checked only for the few stories chosen (see ``Candidate.links``).
        links = list(dict.fromkeys(u for item in items for u in (item.link, item.canonical_url) if u))
        out.append(
            Candidate(
                key=key,
                story_id=first.story_id,
                title=first.title,
                summary=max((i.summary for i in items), key=len),
                url=links[0] if links else None,
                alt_urls=tuple(links[1:]),
                sources=tuple(sources),
                source_keys=tuple(source_keys),
                published_at=first.published_at,
                feed_departments=frozenset(tags),
            )
        )
    return out


def delivered_story_ids(session: Session, channel_id: str) -> set[int]:
    """Stories already posted to ``channel_id`` (never repeated there)."""
    return set(
        session.scalars(select(DeliveredStory.story_id).where(DeliveredStory.channel_id == channel_id))
    )


def delivered_titles(session: Session, channel_id: str, *, since: datetime) -> list[str]:
    """Headlines posted to ``channel_id`` since ``since`` (their retellings are not news there)."""
    return list(
        session.scalars(
            select(Story.title)
            .join(DeliveredStory, DeliveredStory.story_id == Story.id)
            .where(DeliveredStory.channel_id == channel_id, DeliveredStory.delivered_at >= since)
        )
    )


def newest_item_time(session: Session) -> datetime | None:
    """When the newest stored item was published (the demo builds briefings "as of" then)."""
    return session.scalar(select(Item.published_at).order_by(Item.published_at.desc()).limit(1))
