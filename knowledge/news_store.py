"""Stories linked to policy sections (``policy_news``) and weekly message claims (``weekly_posts``).

Every function takes the caller's session. The weekly read joins ``delivered_stories`` (written
by the briefing delivery step) so the owners hear only of stories a briefing actually posted,
not of previews nobody saw; it only reads that table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.db import session_insert
from storage.models import DeliveredStory, PolicyNews, WeeklyPost


@dataclass(frozen=True)
class NewsLink:
    """A story a briefing linked to a policy section (plain, unescaped text)."""

    policy_id: str
    policy_title: str
    heading: str
    section_url: str | None
    story_id: int
    story_title: str
    story_url: str | None


@dataclass(frozen=True)
class PostedLink:
    """A linked story and when a briefing first posted it."""

    link: NewsLink
    posted_at: datetime


def add_links(session: Session, links: list[NewsLink], at: datetime) -> None:
    """Record links; a (policy, story) pair already recorded keeps its first row."""
    if not links:
        return
    rows = [
        {
            "policy_id": link.policy_id[:128],
            "story_id": link.story_id,
            "policy_title": link.policy_title[:512],
            "heading": link.heading[:512],
            "section_url": link.section_url[:2048] if link.section_url else None,
            "story_title": link.story_title[:1000],
            "story_url": link.story_url[:2048] if link.story_url else None,
            "linked_at": at,
        }
        for link in links
    ]
    stmt = session_insert(session, PolicyNews).values(rows)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["policy_id", "story_id"]))


def posted_since(session: Session, since: datetime) -> list[PostedLink]:
    """Links whose story a briefing first posted at or after ``since``, oldest first."""
    first_posted = (
        select(DeliveredStory.story_id, func.min(DeliveredStory.delivered_at).label("posted_at"))
        .group_by(DeliveredStory.story_id)
        .subquery()
    )
    rows = session.execute(
        select(PolicyNews, first_posted.c.posted_at)
        .join(first_posted, first_posted.c.story_id == PolicyNews.story_id)
        .where(first_posted.c.posted_at >= since)
        .order_by(first_posted.c.posted_at, PolicyNews.id)
    )
    return [
        PostedLink(
            NewsLink(
                r.policy_id, r.policy_title, r.heading, r.section_url, r.story_id, r.story_title, r.story_url
            ),
            posted_at,
        )
        for r, posted_at in rows
    ]


def claim_week(session: Session, kind: str, week: str, *, at: datetime, worker: str) -> bool:
    """Claim ``kind``'s message for ``week``: True for the one caller whose insert wins."""
    row = {"kind": kind, "week": week, "claimed_at": at, "worker": worker[:255]}
    stmt = session_insert(session, WeeklyPost).values(row)
    # RETURNING says which insert won on both dialects (rowcount is not reliable for it).
    won = stmt.on_conflict_do_nothing(index_elements=["kind", "week"]).returning(WeeklyPost.kind)
    return session.execute(won).first() is not None


def release_week(session: Session, kind: str, week: str) -> None:
    """Give a claim back (nothing could be posted), so a later run may try again."""
    session.execute(delete(WeeklyPost).where(WeeklyPost.kind == kind, WeeklyPost.week == week))
