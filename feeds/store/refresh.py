"""The SQL ``RefreshStore``: claiming due feeds across replicas and storing fetch results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from feeds.records import FeedJob, FeedOutcome, FetchOutcome
from feeds.store.results import StorePolicy, store_outcomes
from storage import Database
from storage.models import Feed

_CHUNK = 500


class SqlRefreshStore:
    """``RefreshStore`` on SQLAlchemy; see ``feeds.store.protocols`` for the contract."""

    def __init__(self, db: Database, policy: StorePolicy) -> None:
        self.db = db
        self.policy = policy

    def claim(
        self, *, now: datetime, force: bool, feed_ids: Sequence[int] | None, lease: timedelta
    ) -> list[FeedJob]:
        with self.db.session() as session:
            query = select(
                Feed.id,
                Feed.url,
                Feed.name,
                Feed.title,
                Feed.etag,
                Feed.last_modified,
                Feed.body_hash,
                Feed.primed,
                Feed.last_success_at,
                Feed.error_count,
            ).where(Feed.status == "active")
            if feed_ids is not None:
                query = query.where(Feed.id.in_(feed_ids))
            if not force:
                query = query.where(or_(Feed.next_fetch_at.is_(None), Feed.next_fetch_at <= now))
            # Several replicas may refresh at once: each claims different feeds.
            query = query.order_by(Feed.id).with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            ids = [row.id for row in rows]
            for start in range(0, len(ids), _CHUNK):
                session.execute(
                    update(Feed)
                    .where(Feed.id.in_(ids[start : start + _CHUNK]))
                    .values(next_fetch_at=now + lease)
                )
        return [
            FeedJob(
                r.id,
                r.url,
                r.name or r.title,
                r.etag,
                r.last_modified,
                r.body_hash,
                bool(r.primed),
                r.last_success_at,
                r.error_count or 0,
            )
            for r in rows
        ]

    def renew(self, feed_ids: Sequence[int], *, held_until: datetime, until: datetime) -> set[int]:
        renewed: set[int] = set()
        ids = sorted(feed_ids)
        with self.db.session() as session:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                # Only claims still as we left them: a feed whose lease ran out may be another's now.
                mine = and_(Feed.id.in_(chunk), Feed.next_fetch_at == held_until, Feed.status == "active")
                renewed |= set(session.scalars(select(Feed.id).where(mine)))
                session.execute(update(Feed).where(mine).values(next_fetch_at=until))
        return renewed

    def failing(self, *, since: datetime) -> int:
        with self.db.read() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Feed)
                .where(
                    Feed.status == "active",
                    Feed.error_count > 0,
                    or_(
                        Feed.last_success_at < since,
                        and_(Feed.last_success_at.is_(None), Feed.created_at < since),
                    ),
                )
            )
        return int(count or 0)

    def store(
        self, outcomes: Sequence[FetchOutcome], *, now: datetime, fresh: bool = False
    ) -> list[FeedOutcome]:
        with self.db.session() as session:
            return store_outcomes(session, outcomes, now=now, policy=self.policy, fresh=fresh)
