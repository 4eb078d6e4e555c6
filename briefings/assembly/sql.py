"""SQL behind :class:`briefings.assembly.store.CandidateStore`: candidate stories for a briefing,
read through ``feeds.queries`` (one query, plain rows).

Which items count as *new* for a briefing (the backlog rule):

* A live item (``is_backlog`` false) is new when it was **first seen** after ``since``.
* A backlog item (imported when its feed was added) is new only when it was **published** after
  ``since``: the import time says nothing about the news, so adding a feed with 500 archived
  entries brings in at most the few published since the last briefing.

Previews (``/ai-brief now``, ``briefbot brief``, the demo) use the publication date for every
item. An undated backlog item (its date is only when we fetched it) is never new in either; a
preview asked to include the backlog shows every backlog item first seen in its window, and one
that is not says how many it held back. ``since`` is the previous completed briefing of the
subscription, or a week back. Either way a briefing is one message of at most N stories with
at most two per source, ranked on relevance: nothing can flood a channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from briefings.assembly.ranked import Candidate
from briefings.assembly.store import Delivered, Window
from feeds.queries import (
    RecentItem,
    feed_departments,
    held_back,
    newest_published_at,
    recent_items,
    story_titles,
)
from storage import Database
from storage.models import DeliveredStory

MAX_AGE = timedelta(days=14)  # older news is never "new", whatever the feed claims


def load_candidates(
    session: Session, *, since: datetime, as_of: datetime, by_first_seen: bool, include_backlog: bool = False
) -> list[Candidate]:
    """Stories new between ``since`` and ``as_of``, one per story (items from several feeds merged).

    ``by_first_seen`` selects the scheduled-delivery rule, ``include_backlog`` (previews) adds
    the backlog first seen in the window (see the module docstring).
    """
    oldest = max(since, as_of - MAX_AGE) if not by_first_seen else as_of - MAX_AGE
    found = recent_items(
        session,
        oldest=oldest,
        since=since,
        as_of=as_of,
        by_first_seen=by_first_seen,
        include_backlog=include_backlog,
    )
    # A feed may date items in the future; they are as new as the moment we judge at.
    rows = [r if r.published_at <= as_of else replace(r, published_at=as_of) for r in found]
    departments = feed_departments(session, {r.feed_id for r in rows})
    return merge_stories(rows, departments)


def held_back_by_department(session: Session, *, since: datetime, as_of: datetime) -> dict[str, int]:
    """Per department tag, the backlog items a preview between ``since`` and ``as_of`` leaves out."""
    counts = held_back(session, oldest=max(since, as_of - MAX_AGE), since=since, as_of=as_of)
    out: dict[str, int] = defaultdict(int)
    for feed_id, departments in feed_departments(session, counts).items():
        for department in departments:
            out[department] += counts[feed_id]
    return out


def _story_key(row: RecentItem) -> str:
    if row.story_id is not None:
        return f"story:{row.story_id}"
    if row.canonical_url:
        return f"url:{row.canonical_url}"
    return f"item:{row.item_id}"


def merge_stories(rows: Iterable[RecentItem], departments: dict[int, set[str]]) -> list[Candidate]:
    """One candidate per story: the first publisher's title and link, the fullest summary,
    every source named once (first publisher first), and the union of the feeds' departments."""
    groups: dict[str, list[RecentItem]] = defaultdict(list)
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
    delivered = session.scalars(
        select(DeliveredStory.story_id).where(
            DeliveredStory.channel_id == channel_id, DeliveredStory.delivered_at >= since
        )
    )
    return story_titles(session, delivered)


def newest_item_time(session: Session) -> datetime | None:
    """When the newest stored item was published (the demo builds briefings "as of" then)."""
    return newest_published_at(session)


class SqlCandidates:
    """:class:`briefings.assembly.store.CandidateStore` on the project database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def window(
        self,
        *,
        since: datetime,
        as_of: datetime,
        include_backlog: bool,
        explain: bool,
        channel_id: str | None,
        seen_since: datetime,
    ) -> Window:
        with self.db.read() as session:
            candidates = load_candidates(
                session, since=since, as_of=as_of, by_first_seen=False, include_backlog=include_backlog
            )
            held = {} if include_backlog else held_back_by_department(session, since=since, as_of=as_of)
            backlog: list[Candidate] = []
            if explain and not include_backlog:
                shown_keys = {c.key for c in candidates}
                everything = load_candidates(
                    session, since=since, as_of=as_of, by_first_seen=False, include_backlog=True
                )
                backlog = [c for c in everything if c.key not in shown_keys]
            delivered = Delivered(frozenset(), ())
            if channel_id is not None:
                delivered = _delivered(session, channel_id, seen_since)
        return Window(tuple(candidates), dict(held), tuple(backlog), delivered)

    def new_since(self, *, since: datetime, as_of: datetime) -> list[Candidate]:
        with self.db.read() as session:
            return load_candidates(session, since=since, as_of=as_of, by_first_seen=True)

    def delivered(self, channel_id: str, *, since: datetime) -> Delivered:
        with self.db.read() as session:
            return _delivered(session, channel_id, since)

    def newest_item_time(self) -> datetime | None:
        with self.db.read() as session:
            return newest_item_time(session)


def _delivered(session: Session, channel_id: str, since: datetime) -> Delivered:
    return Delivered(
        frozenset(delivered_story_ids(session, channel_id)),
        tuple(delivered_titles(session, channel_id, since=since)),
    )
