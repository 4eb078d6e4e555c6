"""The SQL ``FeedStore``: curated feed rows, their department tags and the curation audit log."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.errors import DuplicateFeed
from feeds.records import FeedEdit, FeedInfo, FeedJob
from feeds.store.protocols import EditPlan, FeedKey, Imported, NewFeed
from feeds.urls import feed_identity
from storage import Database
from storage.audit import Actor, record
from storage.models import Feed, FeedDepartment, Item


class SqlFeedStore:
    """``FeedStore`` on SQLAlchemy; see ``feeds.store.protocols`` for the contract."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, actor: Actor, feed: NewFeed) -> FeedInfo:
        try:
            with self.db.session() as session:
                _refuse_duplicate(session, feed.url)
                row = _create(session, actor, feed)
                return _info(row, 0)
        except IntegrityError:  # another admin added the same URL a moment ago
            with self.db.read() as session:
                _refuse_duplicate(session, feed.url)
            raise

    def get(self, key: FeedKey) -> FeedInfo | None:
        with self.db.read() as session:
            feed = _resolve(session, key)
            return _info(feed, _count(session, feed.id)) if feed else None

    def list(self) -> builtins.list[FeedInfo]:
        with self.db.read() as session:
            counts = dict(session.execute(select(Item.feed_id, func.count()).group_by(Item.feed_id)).all())
            feeds = session.scalars(select(Feed).order_by(Feed.id)).all()
            return [_info(f, counts.get(f.id, 0)) for f in feeds]

    def items_since(self, since: datetime) -> dict[int, int]:
        with self.db.read() as session:
            rows = session.execute(
                select(Item.feed_id, func.count()).where(Item.first_seen_at >= since).group_by(Item.feed_id)
            ).all()
        return {int(feed_id): int(count) for feed_id, count in rows}

    def edit(self, key: FeedKey, plan: EditPlan, actor: Actor) -> FeedEdit | None:
        with self.db.session() as session:
            feed = _resolve(session, key)
            if feed is None:
                return None
            # Lock the row (PostgreSQL): two admins editing at once apply one after the other.
            session.refresh(feed, with_for_update=True)
            old_depts = tuple(sorted(d.department for d in feed.departments))
            old_name = feed.name
            patch = plan(feed.id, old_depts, old_name)
            new_depts = tuple(sorted(patch.departments))
            detail: dict[str, Any] = {}
            if new_depts != old_depts:
                kept = {d.department: d for d in feed.departments}
                feed.departments = [kept.get(d) or FeedDepartment(department=d) for d in new_depts]
                detail.update(old_departments=list(old_depts), departments=list(new_depts))
            if patch.name != old_name:
                feed.name = patch.name
                detail.update(old_name=old_name, name=patch.name)
            if detail:
                record(session, actor, "feed.edit", feed.url, feed_id=feed.id, **detail)
            return FeedEdit(_info(feed, _count(session, feed.id)), old_depts, old_name)

    def set_status(self, key: FeedKey, status: str, actor: Actor) -> tuple[FeedInfo, bool] | None:
        with self.db.session() as session:
            feed = _resolve(session, key)
            if feed is None:
                return None
            changed = feed.status != status
            if changed:
                previous = feed.status
                feed.status = status
                if status == "active":
                    # Due now, errors forgiven, and the first fetch after a pause is backlog.
                    feed.next_fetch_at = None
                    feed.error_count = 0
                    feed.primed = False
                action = "feed.pause" if status == "paused" else "feed.resume"
                record(session, actor, action, feed.url, feed_id=feed.id, previous=previous)
            return _info(feed, _count(session, feed.id)), changed

    def remove(self, key: FeedKey, actor: Actor) -> FeedInfo | None:
        with self.db.session() as session:
            feed = _resolve(session, key)
            if feed is None:
                return None
            info = _info(feed, _count(session, feed.id))
            record(
                session,
                actor,
                "feed.remove",
                feed.url,
                feed_id=feed.id,
                name=feed.name,
                departments=list(info.departments),
                items=info.item_count,
            )
            session.execute(delete(Item).where(Item.feed_id == feed.id))
            session.delete(feed)
        return info

    def import_feeds(
        self, actor: Actor, feeds: Sequence[NewFeed], *, invalid: int
    ) -> builtins.list[Imported]:
        out: builtins.list[Imported] = []
        with self.db.session() as session:
            known = {feed_identity(url): fid for fid, url in session.execute(select(Feed.id, Feed.url))}
            for feed in feeds:
                existing = known.get(feed_identity(feed.url))
                if existing is None:
                    row = _create(session, actor, feed, via="opml")
                    known[feed_identity(feed.url)] = row.id
                    out.append(Imported(row.id, True, tuple(sorted(feed.departments)), ()))
                    continue
                out.append(_add_departments(session, actor, existing, feed.departments))
            added = sum(1 for result in out if result.added)
            retagged = sum(1 for result in out if result.retagged)
            record(
                session,
                actor,
                "feeds.import",
                "",
                added=added,
                retagged=retagged,
                skipped=len(out) - added - retagged,
                invalid=invalid,
            )
        return out

    def ensure(self, actor: Actor, feeds: Sequence[NewFeed], *, via: str) -> builtins.list[FeedJob]:
        jobs: builtins.list[FeedJob] = []
        with self.db.session() as session:
            for feed in feeds:
                row = session.scalar(select(Feed).where(Feed.url == feed.url))
                if row is None:
                    row = _create(session, actor, feed, via=via)
                jobs.append(
                    FeedJob(
                        row.id,
                        row.url,
                        row.name,
                        None,
                        None,
                        row.body_hash,
                        row.primed,
                        row.last_success_at,
                        row.error_count or 0,
                    )
                )
        return jobs


def _resolve(session: Session, key: FeedKey) -> Feed | None:
    if isinstance(key, int):
        return session.get(Feed, key)
    return _find_duplicate(session, key)


def _find_duplicate(session: Session, url: str) -> Feed | None:
    feed = session.scalar(select(Feed).where(Feed.url == url))
    if feed is not None:
        return feed
    identity = feed_identity(url)
    for fid, other in session.execute(select(Feed.id, Feed.url)):
        if feed_identity(other) == identity:
            return session.get(Feed, fid)
    return None


def _refuse_duplicate(session: Session, url: str) -> None:
    existing = _find_duplicate(session, url)
    if existing is not None:
        name = existing.display_name
        raise DuplicateFeed(
            f"that feed is already curated as #{existing.id} ({name}); nothing added", feed_id=existing.id
        )


def _add_departments(session: Session, actor: Actor, feed_id: int, departments: Sequence[str]) -> Imported:
    """Tag a curated feed with ``departments`` too (an import never untags), audited as ``feed.edit``."""
    feed = session.get(Feed, feed_id, with_for_update=True)
    assert feed is not None  # found in this transaction
    old = tuple(sorted(d.department for d in feed.departments))
    new = tuple(sorted(set(old) | set(departments)))
    if new != old:
        feed.departments = [*feed.departments, *(FeedDepartment(department=d) for d in new if d not in old)]
        record(
            session,
            actor,
            "feed.edit",
            feed.url,
            feed_id=feed.id,
            old_departments=list(old),
            departments=list(new),
            via="opml",
        )
    return Imported(feed.id, False, new, old)


def _count(session: Session, feed_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed_id)) or 0


def _create(session: Session, actor: Actor, feed: NewFeed, **detail: Any) -> Feed:
    """Insert an active (or, as ``feed.paused`` asks, paused), not yet primed feed with its
    department tags, audited in the same transaction."""
    row = Feed(
        url=feed.url,
        name=feed.name,
        status="paused" if feed.paused else "active",
        created_by=actor.id,
        error_count=0,
        primed=False,
        departments=[FeedDepartment(department=d) for d in feed.departments],
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "feed.add",
        feed.url,
        feed_id=row.id,
        departments=list(feed.departments),
        name=feed.name,
        **({"paused": True} if feed.paused else {}),
        **detail,
    )
    return row


def _info(feed: Feed, item_count: int) -> FeedInfo:
    if feed.status == "paused":
        health = "paused"
    elif feed.status == "gone":
        health = "gone"
    elif feed.error_count:
        health = "failing"
    elif feed.last_success_at is None:
        health = "never fetched"
    else:
        health = "ok"
    return FeedInfo(
        id=feed.id,
        url=feed.url,
        name=feed.name,
        title=feed.title,
        site_url=feed.site_url,
        departments=tuple(sorted(d.department for d in feed.departments)),
        status=feed.status,
        health=health,
        error_count=feed.error_count or 0,
        last_error=feed.last_error,
        last_error_at=feed.last_error_at,
        last_warning=feed.last_warning,
        last_success_at=feed.last_success_at,
        last_fetched_at=feed.last_fetched_at,
        next_fetch_at=feed.next_fetch_at,
        last_status=feed.last_status,
        item_count=item_count,
        created_at=feed.created_at,
        created_by=feed.created_by,
    )
