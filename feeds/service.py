"""Feed curation and refresh: the one service both the CLI and ``/ai-feeds`` use.

Curation (add, list, edit, remove, pause, resume, import/export OPML) writes the audit log in the
same transaction as the change. Refresh claims due feeds, fetches them on a bounded pool with a
per-host cap (``feeds.refresh``), and stores results in batches (``feeds.store``).
"""

from __future__ import annotations

import builtins
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.departments import (
    is_department,
    normalise_department,
    normalise_departments,
    valid_departments_text,
)
from feeds.errors import DuplicateFeed, FeedError, FeedNotFound, FetchError, InvalidFeedURL
from feeds.fetch import Fetcher
from feeds.opml import ExportFeed, export_opml, parse_opml
from feeds.records import (
    AddResult,
    FeedEdit,
    FeedInfo,
    FeedJob,
    FeedOutcome,
    FeedPreview,
    FetchOutcome,
    ImportLine,
    ImportReport,
    ItemInfo,
    PreviewItem,
    PruneReport,
    RefreshReport,
)
from feeds.refresh import ParsePool, parse_body, process_job, run_refresh
from feeds.safety import check_host, check_literal_host
from feeds.store import StorePolicy, store_outcomes
from feeds.text import clean_text
from feeds.urls import feed_identity, host_of, normalise_feed_url
from foundation.settings import Settings
from storage import Database
from storage.audit import Actor, record
from storage.models import DeliveredStory, Feed, FeedDepartment, Item, Story
from storage.types import utcnow

log = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent / "data" / "samples"
# A claimed feed is not handed to another refresh (or replica) for this long, unless stored sooner.
CLAIM_LEASE = timedelta(minutes=15)
# Refreshes with fewer due feeds than this parse in threads: starting processes would cost more.
PARSE_POOL_MIN_FEEDS = 24
NAME_MAX = 255


@dataclass(frozen=True)
class FeedChange:
    """The feed after pause/resume, and whether anything changed."""

    feed: FeedInfo
    changed: bool


class FeedService:
    """Curate feeds and keep their items fresh. Thread-safe: every call opens its own sessions."""

    def __init__(self, *, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # ------------------------------------------------------------------ settings-derived parts

    @property
    def policy(self) -> StorePolicy:
        return StorePolicy(
            interval=timedelta(minutes=self.settings.briefbot_refresh_minutes),
            grace=timedelta(hours=self.settings.briefbot_grace_hours),
            max_fresh=timedelta(hours=self.settings.briefbot_max_cache_hours),
        )

    def parse_processes(self) -> int:
        """How many parse worker processes a big refresh uses (``BRIEFBOT_PARSE_PROCESSES``)."""
        configured = self.settings.briefbot_parse_processes
        if configured is not None:
            return configured
        cpus = os.cpu_count() or 1
        return 0 if cpus < 2 else min(cpus, 4)

    def make_fetcher(self) -> Fetcher:
        """A fetcher configured from settings (size cap, deadline, SSRF guard)."""
        s = self.settings
        deadline = s.briefbot_fetch_deadline_seconds
        return Fetcher(
            allow_private=s.briefbot_allow_private_feeds,
            max_bytes=s.briefbot_max_feed_bytes,
            deadline=deadline,
            connect_timeout=min(5.0, deadline),
            read_timeout=min(15.0, deadline),
            max_connections_per_origin=max(2, s.briefbot_fetch_per_host),
        )

    # ------------------------------------------------------------------ curation

    def add(
        self,
        url: str,
        departments: builtins.list[str] | tuple[str, ...],
        *,
        name: str | None = None,
        actor: Actor | None = None,
        fetch: bool = True,
    ) -> AddResult:
        """Curate a new feed tagged with ``departments``.

        With ``fetch`` the feed is fetched at once: its current items are stored as backlog (used
        for ranking, never posted as news), so adding a feed never floods a briefing. A failed
        first fetch keeps the feed (with the error visible in ``list``).
        """
        actor = actor or Actor.cli()
        normalised = normalise_feed_url(url)
        depts = normalise_departments(list(departments))
        if not depts:
            raise FeedError(f"tag the feed with at least one department: {valid_departments_text()}")
        clean_name = clean_text(name or "", NAME_MAX) or None
        self._preflight(normalised)
        try:
            with self.db.session() as session:
                self._refuse_duplicate(session, normalised)
                feed_id = _create_feed(session, actor, normalised, clean_name, depts).id
        except IntegrityError:  # another admin added the same URL a moment ago
            with self.db.read() as session:
                self._refuse_duplicate(session, normalised)
            raise
        first = None
        if fetch:
            report = self.refresh(feed_ids=[feed_id], force=True)
            first = report.outcomes[0] if report.outcomes else None
        return AddResult(feed=self.get(feed_id), first_fetch=first)

    def list(self) -> builtins.list[FeedInfo]:
        """Every curated feed with its health, oldest first."""
        with self.db.read() as session:
            counts = dict(session.execute(select(Item.feed_id, func.count()).group_by(Item.feed_id)).all())
            feeds = session.scalars(select(Feed).order_by(Feed.id)).all()
            return [_info(f, counts.get(f.id, 0)) for f in feeds]

    def get(self, ref: int | str) -> FeedInfo:
        """One feed by id (``3`` or ``#3``) or URL."""
        with self.db.read() as session:
            feed = self._resolve(session, ref)
            count = session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed.id)) or 0
            return _info(feed, count)

    def remove(self, ref: int | str, *, actor: Actor | None = None) -> FeedInfo:
        """Delete a feed and its items (stories already delivered stay remembered)."""
        actor = actor or Actor.cli()
        with self.db.session() as session:
            feed = self._resolve(session, ref)
            count = session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed.id)) or 0
            info = _info(feed, count)
            record(
                session,
                actor,
                "feed.remove",
                feed.url,
                feed_id=feed.id,
                name=feed.name,
                departments=list(info.departments),
                items=count,
            )
            session.execute(delete(Item).where(Item.feed_id == feed.id))
            session.delete(feed)
        return info

    def edit(
        self,
        ref: int | str,
        *,
        departments: builtins.list[str] | tuple[str, ...] | None = None,
        add_departments: builtins.list[str] | tuple[str, ...] = (),
        remove_departments: builtins.list[str] | tuple[str, ...] = (),
        name: str | None = None,
        actor: Actor | None = None,
    ) -> FeedEdit:
        """Re-tag and/or rename a feed in place: its items, health and history stay.

        ``departments`` replaces the tags, then ``add_departments`` and ``remove_departments``
        adjust them; a feed always keeps at least one department. ``name`` sets the display name
        (an empty one clears it, so the feed's own title shows again). Briefings read the tags
        when they are built, so the feed's stored items count for the new departments at once.
        Audited as ``feed.edit`` with the old and new values; a refused edit changes nothing.
        """
        actor = actor or Actor.cli()
        replace = normalise_departments(list(departments)) if departments is not None else None
        adding = normalise_departments(list(add_departments))
        removing = normalise_departments(list(remove_departments))
        if replace is not None and not replace:
            raise FeedError(f"tag the feed with at least one department: {valid_departments_text()}")
        conflict = [d for d in removing if d in adding or (replace is not None and d in replace)]
        if conflict:
            raise FeedError(f"{conflict[0]} is both added and removed; say which you mean")
        if replace is None and not adding and not removing and name is None:
            raise FeedError("nothing to change: give departments to set, add or remove, or a new name")
        new_name = (clean_text(name, NAME_MAX) or None) if name is not None else None
        with self.db.session() as session:
            feed = self._resolve(session, ref)
            # Lock the row (PostgreSQL): two admins editing at once apply one after the other.
            session.refresh(feed, with_for_update=True)
            old_depts = tuple(sorted(d.department for d in feed.departments))
            wanted = [d for d in (replace if replace is not None else old_depts) if d not in removing]
            wanted += [d for d in adding if d not in wanted]
            if not wanted:
                raise FeedError(
                    f"feed #{feed.id} would be left without a department; keep at least one of "
                    f"{valid_departments_text()} (or remove the feed)"
                )
            new_depts = tuple(sorted(wanted))
            old_name = feed.name
            detail: dict[str, Any] = {}
            if new_depts != old_depts:
                kept = {d.department: d for d in feed.departments}
                feed.departments = [kept.get(d) or FeedDepartment(department=d) for d in new_depts]
                detail.update(old_departments=list(old_depts), departments=list(new_depts))
            if name is not None and new_name != old_name:
                feed.name = new_name
                detail.update(old_name=old_name, name=new_name)
            if detail:
                record(session, actor, "feed.edit", feed.url, feed_id=feed.id, **detail)
            count = session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed.id)) or 0
            return FeedEdit(_info(feed, count), old_depts, old_name)

    def pause(self, ref: int | str, *, actor: Actor | None = None) -> FeedChange:
        """Stop refreshing a feed (its items stay)."""
        return self._set_status(ref, "paused", actor or Actor.cli())

    def resume(self, ref: int | str, *, actor: Actor | None = None) -> FeedChange:
        """Refresh a paused or gone feed again. What it published meanwhile arrives as backlog."""
        return self._set_status(ref, "active", actor or Actor.cli())

    def _set_status(self, ref: int | str, status: str, actor: Actor) -> FeedChange:
        with self.db.session() as session:
            feed = self._resolve(session, ref)
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
            count = session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed.id)) or 0
            return FeedChange(_info(feed, count), changed)

    def test(self, url: str, *, limit: int = 5) -> FeedPreview:
        """Fetch and parse ``url`` and preview its first items, saving nothing."""
        normalised = normalise_feed_url(url)
        self._preflight(normalised)
        with self.db.read() as session:
            existing = self._find_duplicate(session, normalised)
        now = utcnow()
        job = FeedJob(0, normalised, None, None, None, None, False, None, 0)
        with self.make_fetcher() as fetcher:
            outcome = process_job(job, fetcher, now=now)
        if outcome.kind != "parsed" or outcome.parsed is None:
            if outcome.kind == "gone":
                raise FetchError("HTTP 410 Gone: the publisher has removed this feed", status=410)
            raise FetchError(outcome.error or f"HTTP {outcome.status}", status=outcome.status)
        parsed = outcome.parsed
        items = tuple(
            PreviewItem(e.title, e.link, e.published_at, e.dated, e.summary) for e in parsed.entries[:limit]
        )
        return FeedPreview(
            url=normalised,
            final_url=outcome.moved_to or normalised,
            title=parsed.title,
            item_count=len(parsed.entries),
            items=items,
            warning=parsed.warning,
            already_added_as=existing.id if existing else None,
        )

    # ------------------------------------------------------------------ refresh

    def refresh(
        self, *, force: bool = False, feed_ids: builtins.list[int] | None = None, now: datetime | None = None
    ) -> RefreshReport:
        """Fetch every due active feed (all active ones with ``force``) and store what changed."""
        started = time.monotonic()
        now = now or utcnow()
        jobs = self._claim(now=now, force=force, feed_ids=feed_ids)
        processes = self.parse_processes() if len(jobs) >= PARSE_POOL_MIN_FEEDS else 0
        pool = ParsePool(processes) if processes else None
        try:
            with self.make_fetcher() as fetcher:
                outcomes = run_refresh(
                    jobs,
                    fetcher=fetcher,
                    store=lambda batch: self._store(batch, now=now),
                    now=now,
                    workers=self.settings.briefbot_fetch_concurrency,
                    per_host=self.settings.briefbot_fetch_per_host,
                    parse=pool,
                )
        finally:
            if pool is not None:
                pool.close()
        return RefreshReport(tuple(outcomes), started_at=now, seconds=time.monotonic() - started)

    def refresh_due(self) -> RefreshReport | None:
        """The scheduler job: refresh due feeds, log a summary, never raise."""
        try:
            report = self.refresh()
        except Exception:
            log.exception("feed refresh failed")
            return None
        if report.outcomes:
            log.info("feed refresh: %s in %.1f s", report.totals, report.seconds)
        for outcome in report.outcomes:
            if outcome.outcome in ("failed", "rate_limited", "gone"):
                log.warning("feed #%s %s: %s", outcome.feed_id, outcome.outcome, outcome.error)
        return report

    def _claim(
        self, *, now: datetime, force: bool, feed_ids: builtins.list[int] | None
    ) -> builtins.list[FeedJob]:
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
            for start in range(0, len(ids), 500):
                session.execute(
                    update(Feed)
                    .where(Feed.id.in_(ids[start : start + 500]))
                    .values(next_fetch_at=now + CLAIM_LEASE)
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

    def _store(
        self, batch: builtins.list[FetchOutcome], *, now: datetime, fresh: bool = False
    ) -> builtins.list[FeedOutcome]:
        with self.db.session() as session:
            return store_outcomes(session, batch, now=now, policy=self.policy, fresh=fresh)

    # ------------------------------------------------------------------ OPML

    def import_opml(
        self,
        data: bytes | str,
        *,
        actor: Actor | None = None,
        default_departments: builtins.list[str] | tuple[str, ...] = (),
    ) -> ImportReport:
        """Add every new feed of an OPML document; report each outline as added, skipped or invalid.

        Departments come from the outline's categories (or enclosing folders), else from
        ``default_departments``. One transaction: an unexpected failure adds nothing.
        """
        actor = actor or Actor.cli()
        outlines = parse_opml(data)
        defaults = normalise_departments(list(default_departments))
        lines: builtins.list[ImportLine] = []
        with self.db.session() as session:
            known = {feed_identity(url): fid for fid, url in session.execute(select(Feed.id, Feed.url))}
            for outline in outlines:
                title = clean_text(outline.title, NAME_MAX)
                if not outline.url:
                    lines.append(ImportLine("invalid", "", title, "the outline has no xmlUrl"))
                    continue
                try:
                    url = normalise_feed_url(outline.url)
                    check_literal_host(host_of(url), allow_private=self.settings.briefbot_allow_private_feeds)
                except InvalidFeedURL as exc:
                    lines.append(ImportLine("invalid", outline.url[:300], title, str(exc)))
                    continue
                depts = tuple(
                    dict.fromkeys(normalise_department(c) for c in outline.categories if is_department(c))
                )
                depts = depts or defaults
                if not depts:
                    shown = ", ".join(outline.categories) or "none"
                    lines.append(
                        ImportLine(
                            "invalid",
                            url,
                            title,
                            f"no department (categories: {shown}); use a category such as "
                            f"{valid_departments_text()} or pass a default department",
                        )
                    )
                    continue
                existing = known.get(feed_identity(url))
                if existing is not None:
                    lines.append(
                        ImportLine("skipped", url, title, f"already curated as #{existing}", existing, depts)
                    )
                    continue
                feed = _create_feed(session, actor, url, title or None, depts, via="opml")
                known[feed_identity(url)] = feed.id
                lines.append(ImportLine("added", url, title, "", feed.id, depts))
            report = ImportReport(tuple(lines))
            record(
                session,
                actor,
                "feeds.import",
                "",
                added=report.count("added"),
                skipped=report.count("skipped"),
                invalid=report.count("invalid"),
            )
        return report

    def export_opml(self) -> str:
        """All curated feeds as OPML 2.0, departments as category tags."""
        with self.db.read() as session:
            feeds = session.scalars(select(Feed).order_by(Feed.id)).all()
            entries = [
                ExportFeed(
                    f.url,
                    f.name or f.title or f.url,
                    f.title,
                    f.site_url,
                    tuple(sorted(d.department for d in f.departments)),
                )
                for f in feeds
            ]
        return export_opml(entries, now=utcnow())

    # ------------------------------------------------------------------ items

    def items(
        self, *, department: str | None = None, limit: int = 20, include_backlog: bool = True
    ) -> builtins.list[ItemInfo]:
        """The newest stored items, optionally only those of feeds tagged with ``department``."""
        dept = normalise_department(department) if department else None
        with self.db.read() as session:
            query = select(Item, Feed).join(Feed, Item.feed_id == Feed.id)
            if dept:
                query = query.where(
                    exists().where(FeedDepartment.feed_id == Item.feed_id, FeedDepartment.department == dept)
                )
            if not include_backlog:
                query = query.where(Item.is_backlog.is_(False))
            query = query.order_by(Item.published_at.desc(), Item.id.desc()).limit(max(1, min(limit, 1000)))
            out = []
            for item, feed in session.execute(query):
                out.append(
                    ItemInfo(
                        id=item.id,
                        feed_id=feed.id,
                        feed=feed.name or feed.title or feed.url,
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
                )
            return out

    def prune(self, *, now: datetime | None = None) -> PruneReport:
        """Delete items older than the retention period, except those of stories a delivery
        references; then stories left without items and never delivered."""
        now = now or utcnow()
        cutoff = now - timedelta(days=self.settings.briefbot_retention_days)
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
        return PruneReport(items=items or 0, stories=stories or 0, cutoff=cutoff)

    def prune_job(self) -> None:
        """The daily scheduler job around ``prune``; never raises."""
        try:
            report = self.prune()
            log.info(
                "pruned %d items and %d stories older than %s", report.items, report.stories, report.cutoff
            )
        except Exception:
            log.exception("pruning old items failed")

    # ------------------------------------------------------------------ scheduling

    def schedule(self, scheduler: Any) -> None:
        """Add the periodic refresh job (every ``BRIEFBOT_REFRESH_MINUTES``, first run shortly
        after start) and a daily prune job to the APScheduler ``scheduler``."""
        scheduler.add_job(
            self.refresh_due,
            trigger="interval",
            minutes=self.settings.briefbot_refresh_minutes,
            id="feeds.refresh",
            name="refresh due feeds",
            replace_existing=True,
            next_run_time=utcnow() + timedelta(seconds=10),
        )
        scheduler.add_job(
            self.prune_job,
            trigger="cron",
            hour=3,
            minute=17,
            id="feeds.prune",
            name="prune old items",
            replace_existing=True,
        )

    # ------------------------------------------------------------------ offline samples

    def load_samples(self, samples_dir: Path | None = None, *, now: datetime | None = None) -> RefreshReport:
        """Register the sample feeds of ``samples_dir/feeds.yaml`` (idempotent) and ingest the
        bundled files through the same parse/normalise/de-duplicate/store path as fetched bytes.

        No network. Sample items are stored as fresh (not backlog) so they appear in briefings.
        """
        started = time.monotonic()
        folder = Path(samples_dir) if samples_dir else SAMPLES_DIR
        now = now or utcnow()
        manifest = _read_manifest(folder)
        actor = Actor.system()
        jobs: builtins.list[tuple[FeedJob, Path]] = []
        with self.db.session() as session:
            for entry in manifest:
                url = normalise_feed_url(entry["url"])
                depts = normalise_departments(list(entry["departments"]))
                feed = session.scalar(select(Feed).where(Feed.url == url))
                if feed is None:
                    feed = _create_feed(session, actor, url, entry.get("name"), depts, via="samples")
                jobs.append(
                    (
                        FeedJob(
                            feed.id,
                            url,
                            feed.name,
                            None,
                            None,
                            feed.body_hash,
                            feed.primed,
                            feed.last_success_at,
                            feed.error_count or 0,
                        ),
                        folder / entry["file"],
                    )
                )
        outcomes = [
            parse_body(job, path.read_bytes(), content_type=None, now=now, status=None) for job, path in jobs
        ]
        stored = self._store(outcomes, now=now, fresh=True) if outcomes else []
        return RefreshReport(tuple(stored), started_at=now, seconds=time.monotonic() - started)

    # ------------------------------------------------------------------ helpers

    def _preflight(self, url: str) -> None:
        """Refuse unsafe hosts before saving anything. The fetch checks again on every connection;
        this only gives an admin the answer at once. A host that does not resolve yet is allowed."""
        host = host_of(url)
        allow = self.settings.briefbot_allow_private_feeds
        check_literal_host(host, allow_private=allow)
        port = 443 if url.startswith("https:") else 80
        try:
            check_host(host, port, allow_private=allow)
        except InvalidFeedURL:
            raise
        except FetchError:
            log.info("feed host %s does not resolve yet; the fetch will report it", host)

    def _resolve(self, session: Session, ref: int | str) -> Feed:
        text = str(ref).strip()
        digits = text.lstrip("#")
        feed: Feed | None = None
        if digits.isdigit():
            feed = session.get(Feed, int(digits))
        elif text:
            try:
                feed = self._find_duplicate(session, normalise_feed_url(text))
            except InvalidFeedURL:
                feed = None
        if feed is None:
            shown = text[:100] or "(empty)"
            raise FeedNotFound(
                f"no feed {shown if not digits.isdigit() else '#' + digits}; list them with `feeds list`"
            )
        return feed

    def _find_duplicate(self, session: Session, url: str) -> Feed | None:
        feed = session.scalar(select(Feed).where(Feed.url == url))
        if feed is not None:
            return feed
        identity = feed_identity(url)
        for fid, other in session.execute(select(Feed.id, Feed.url)):
            if feed_identity(other) == identity:
                return session.get(Feed, fid)
        return None

    def _refuse_duplicate(self, session: Session, url: str) -> None:
        existing = self._find_duplicate(session, url)
        if existing is not None:
            name = existing.name or existing.title or existing.url
            raise DuplicateFeed(
                f"that feed is already curated as #{existing.id} ({name}); nothing added", feed_id=existing.id
            )


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


def _rowcount(result: Any) -> int:
    # DELETE returns a CursorResult; its rowcount is the number of rows removed.
    return int(getattr(result, "rowcount", 0) or 0)


def _read_manifest(folder: Path) -> list[dict[str, Any]]:
    path = folder / "feeds.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedError(f"no sample manifest at {path}") from None
    except yaml.YAMLError as exc:
        raise FeedError(f"the sample manifest {path} is not valid YAML: {exc}") from None
    if not isinstance(data, list):
        raise FeedError(f"the sample manifest {path} must be a list of feeds")
    entries = []
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not {"file", "url", "departments"} <= set(entry):
            raise FeedError(f"sample manifest entry {number} needs file, url and departments")
        if not (folder / str(entry["file"])).is_file():
            raise FeedError(f"sample manifest entry {number}: no file {entry['file']} in {folder}")
        depts = entry["departments"]
        entry = {**entry, "departments": [depts] if isinstance(depts, str) else list(depts)}
        entries.append(entry)
    return entries


def _create_feed(
    session: Session, actor: Actor, url: str, name: str | None, depts: Sequence[str], **detail: Any
) -> Feed:
    """Insert an active, not yet primed feed with its department tags, audited in the same transaction."""
    feed = Feed(
        url=url,
        name=name,
        status="active",
        created_by=actor.id,
        error_count=0,
        primed=False,
        departments=[FeedDepartment(department=d) for d in depts],
    )
    session.add(feed)
    session.flush()
    record(session, actor, "feed.add", url, feed_id=feed.id, departments=list(depts), name=name, **detail)
    return feed
