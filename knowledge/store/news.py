"""Policy news on SQLAlchemy (``knowledge.store.protocols.NewsStore``): stories linked to policy
sections (``policy_news``) and weekly message claims (``weekly_posts``).

The weekly read joins ``delivered_stories`` (written by the briefing delivery step) so the
owners hear only of stories a briefing actually posted, not of previews nobody saw; it only
reads that table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from knowledge.store.protocols import NewsLink, PostedLink
from storage import Database
from storage.db import session_insert
from storage.models import DeliveredStory, PolicyNews, WeeklyPost


class SqlNewsStore:
    """``NewsStore`` on the database: one transaction per call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_links(self, links: list[NewsLink], at: datetime) -> None:
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
        with self.db.session() as session:
            stmt = session_insert(session, PolicyNews).values(rows)
            session.execute(stmt.on_conflict_do_nothing(index_elements=["policy_id", "story_id"]))

    def posted_since(self, since: datetime) -> list[PostedLink]:
        first_posted = (
            select(DeliveredStory.story_id, func.min(DeliveredStory.delivered_at).label("posted_at"))
            .group_by(DeliveredStory.story_id)
            .subquery()
        )
        with self.db.read() as session:
            rows = session.execute(
                select(PolicyNews, first_posted.c.posted_at)
                .join(first_posted, first_posted.c.story_id == PolicyNews.story_id)
                .where(first_posted.c.posted_at >= since)
                .order_by(first_posted.c.posted_at, PolicyNews.id)
            )
            return [
                PostedLink(
                    NewsLink(
                        r.policy_id,
                        r.policy_title,
                        r.heading,
                        r.section_url,
                        r.story_id,
                        r.story_title,
                        r.story_url,
                    ),
                    posted_at,
                )
                for r, posted_at in rows
            ]

    def claim_week(self, kind: str, week: str, *, at: datetime, worker: str) -> bool:
        row = {"kind": kind, "week": week, "claimed_at": at, "worker": worker[:255]}
        with self.db.session() as session:
            stmt = session_insert(session, WeeklyPost).values(row)
            # RETURNING says which insert won on both dialects (rowcount is not reliable for it).
            won = stmt.on_conflict_do_nothing(index_elements=["kind", "week"]).returning(WeeklyPost.kind)
            return session.execute(won).first() is not None

    def release_week(self, kind: str, week: str) -> None:
        with self.db.session() as session:
            session.execute(delete(WeeklyPost).where(WeeklyPost.kind == kind, WeeklyPost.week == week))
