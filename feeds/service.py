"""Feed curation and refresh: the one service both the CLI and ``/ai-feeds`` use.

A façade without SQL: curation (``feeds.curation``), refresh (``feeds.refresher``), OPML
(``feeds.transfer``) and the offline samples (``feeds.samples``) each do one job over the
stores of ``feeds.store``. Curation writes the audit log in the same transaction as the change.
"""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from feeds.config import FeedConfig
from feeds.curation import FeedCuration
from feeds.errors import FeedCheckFailed
from feeds.records import (
    AddResult,
    FeedEdit,
    FeedInfo,
    FeedPreview,
    ImportReport,
    ItemInfo,
    PruneReport,
    RefreshReport,
)
from feeds.refresher import FeedRefresher, preview_of
from feeds.samples import load_samples
from feeds.store import SqlFeedStore, SqlItemStore, SqlRefreshStore, StorePolicy
from feeds.store.protocols import FeedStore, ItemStore, RefreshStore
from feeds.transfer import OpmlTransfer
from storage import Database
from storage.audit import Actor
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedChange:
    """The feed after pause/resume, and whether anything changed."""

    feed: FeedInfo
    changed: bool


class FeedService:
    """Curate feeds and keep their items fresh. Thread-safe: every call opens its own sessions."""

    def __init__(self, *, db: Database, config: FeedConfig) -> None:
        self.db = db
        self.config = config
        self.feed_store: FeedStore = SqlFeedStore(db)
        self.item_store: ItemStore = SqlItemStore(db)
        self.refresh_store: RefreshStore = SqlRefreshStore(
            db, StorePolicy(interval=config.interval, grace=config.grace, max_fresh=config.max_fresh)
        )
        self.curation = FeedCuration(self.feed_store, config)
        self.refresher = FeedRefresher(self.refresh_store, config)
        self.opml = OpmlTransfer(self.feed_store, config)

    # ------------------------------------------------------------------ curation

    def add(
        self,
        url: str,
        departments: builtins.list[str] | tuple[str, ...],
        *,
        name: str | None = None,
        actor: Actor | None = None,
        fetch: bool = True,
        check: bool = False,
    ) -> AddResult:
        """Curate a new feed tagged with ``departments``.

        With ``fetch`` the URL is fetched before anything is stored. An HTML page that names a
        feed in its alternate links gives that feed instead (``discovered_from`` says which page;
        see ``feeds.discovery``). The feed's current items are stored as backlog (used for
        ranking, never posted as news), so adding a feed never floods a briefing. When the fetch
        finds no readable feed, ``check`` refuses the URL (``FeedCheckFailed``, nothing stored);
        without it the feed is kept (``forced``) with the error visible in ``list``.
        """
        actor = actor or Actor.cli()
        wanted = self.curation.prepare(url, departments, name=name)
        if not fetch:
            return AddResult(feed=self.curation.store_new(wanted, actor), first_fetch=None)
        now = utcnow()
        probe = self.refresher.probe(wanted.url, vet=self.curation.vet, now=now)
        if not probe.ok and check:
            raise FeedCheckFailed(
                f"not added: {probe.url} is not a readable feed: {probe.error}",
                url=probe.url,
                status=probe.outcome.status,
            )
        if probe.url != wanted.url:
            # The feed found on the page may be curated already under its own URL.
            wanted = self.curation.prepare(probe.url, wanted.departments, name=wanted.name)
        feed = self.curation.store_new(wanted, actor)
        first = self.refresher.ingest(feed.id, probe.outcome, now=now)
        return AddResult(
            feed=self.get(feed.id), first_fetch=first, discovered_from=probe.page_url, forced=not probe.ok
        )

    def list(self) -> builtins.list[FeedInfo]:
        """Every curated feed with its health, oldest first."""
        return self.feed_store.list()

    def items_since(self, since: datetime) -> dict[int, int]:
        """Per feed id, how many items it brought in since ``since`` (App Home's "N items in 7 days")."""
        return self.feed_store.items_since(since)

    def get(self, ref: int | str) -> FeedInfo:
        """One feed by id (``3`` or ``#3``) or URL."""
        return self.curation.get(ref)

    def remove(self, ref: int | str, *, actor: Actor | None = None) -> FeedInfo:
        """Delete a feed and its items (stories already delivered stay remembered)."""
        return self.curation.remove(ref, actor or Actor.cli())

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
        return self.curation.edit(
            ref,
            departments=departments,
            add_departments=add_departments,
            remove_departments=remove_departments,
            name=name,
            actor=actor or Actor.cli(),
        )

    def pause(self, ref: int | str, *, actor: Actor | None = None) -> FeedChange:
        """Stop refreshing a feed (its items stay)."""
        return FeedChange(*self.curation.set_status(ref, "paused", actor or Actor.cli()))

    def resume(self, ref: int | str, *, actor: Actor | None = None) -> FeedChange:
        """Refresh a paused or gone feed again. What it published meanwhile arrives as backlog."""
        return FeedChange(*self.curation.set_status(ref, "active", actor or Actor.cli()))

    def check_address(self, url: str) -> str:
        """The normalised ``url`` if it may be a feed's address, checked without the network (its
        form and a literal host); ``InvalidFeedURL`` if not. Adding or testing it checks again."""
        return self.curation.check_address(url)

    def test(self, url: str, *, limit: int = 5) -> FeedPreview:
        """Fetch and parse ``url`` and preview its first items, saving nothing. An HTML page that
        names a feed previews that feed (``discovered_from`` says which page)."""
        normalised = self.curation.vet(url)
        probe = self.refresher.probe(normalised, vet=self.curation.vet, now=utcnow())
        existing = self.curation.find(probe.url)
        return preview_of(probe, limit=limit, already_added_as=existing.id if existing else None)

    # ------------------------------------------------------------------ refresh

    def refresh(
        self, *, force: bool = False, feed_ids: builtins.list[int] | None = None, now: datetime | None = None
    ) -> RefreshReport:
        """Fetch every due active feed (all active ones with ``force``) and store what changed."""
        return self.refresher.refresh(force=force, feed_ids=feed_ids, now=now)

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

    def load_samples(self, samples_dir: Path | None = None, *, now: datetime | None = None) -> RefreshReport:
        """Register and ingest the bundled sample feeds, no network (see ``feeds.samples``)."""
        return load_samples(
            self.feed_store, self.refresh_store, self.config.departments, samples_dir, now=now
        )

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
        return self.opml.import_opml(
            data, actor=actor or Actor.cli(), default_departments=default_departments
        )

    def export_opml(self) -> str:
        """All curated feeds as OPML 2.0, departments as category tags."""
        return self.opml.export_opml()

    # ------------------------------------------------------------------ items and retention

    def items(
        self, *, department: str | None = None, limit: int = 20, include_backlog: bool = True
    ) -> builtins.list[ItemInfo]:
        """The newest stored items, optionally only those of feeds tagged with ``department``."""
        dept = self.config.departments.resolve(department) if department else None
        return self.item_store.newest(
            department=dept, limit=max(1, min(limit, 1000)), include_backlog=include_backlog
        )

    def prune(self, *, now: datetime | None = None) -> PruneReport:
        """Delete items older than the retention period, except those of stories a delivery
        references; then stories left without items and never delivered."""
        cutoff = (now or utcnow()) - self.config.retention
        items, stories = self.item_store.prune(cutoff)
        return PruneReport(items=items, stories=stories, cutoff=cutoff)

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
            minutes=self.config.refresh_minutes,
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
