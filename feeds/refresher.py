"""Refresh orchestration: claim due feeds, fetch them on a bounded pool, store the results.

Fetching runs on a pool with a per-host cap (``feeds.refresh``); big refreshes parse in worker
processes; results are stored in batches through the ``RefreshStore``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from feeds.config import FeedConfig
from feeds.discovery import Probe, Vet, probe
from feeds.errors import FetchError
from feeds.fetch import Fetcher
from feeds.records import FeedOutcome, FeedPreview, FetchOutcome, PreviewItem, RefreshReport
from feeds.refresh import ParsePool, mark_empty, run_refresh
from feeds.store.protocols import RefreshStore
from foundation.heartbeat import Heartbeat
from foundation.metrics import FEED_REFRESHES, FEEDS_FAILING, ITEMS_INGESTED
from storage.types import utcnow

# A feed failing with no success for this long counts in the briefbot_feeds_failing gauge.
FAILING_AFTER = timedelta(days=1)
# Refreshes with fewer due feeds than this parse in threads: starting processes would cost more.
PARSE_POOL_MIN_FEEDS = 24


class FeedRefresher:
    """Fetch due feeds and store what changed. Thread-safe: it holds only its config and store."""

    def __init__(self, store: RefreshStore, config: FeedConfig) -> None:
        self.store = store
        self.config = config

    def make_fetcher(self) -> Fetcher:
        """A fetcher configured from the feed config (size cap, deadline, SSRF guard)."""
        c = self.config
        deadline = c.fetch_deadline_seconds
        return Fetcher(
            allow_private=c.allow_private_feeds,
            max_bytes=c.max_feed_bytes,
            deadline=deadline,
            connect_timeout=min(5.0, deadline),
            read_timeout=min(15.0, deadline),
            max_connections_per_origin=max(2, c.fetch_per_host),
        )

    def refresh(
        self, *, force: bool = False, feed_ids: Sequence[int] | None = None, now: datetime | None = None
    ) -> RefreshReport:
        """Fetch every due active feed (all active ones with ``force``) and store what changed.

        Claimed feeds are not due for another refresh (or replica) for the claim lease; a
        heartbeat renews the claims of the feeds not stored yet, so a replica that dies
        mid-refresh leaves its feeds to the others within one lease.
        """
        started = time.monotonic()
        now = now or utcnow()
        lease = self.config.claim_lease
        jobs = self.store.claim(now=now, force=force, feed_ids=feed_ids, lease=lease)
        claims = _Claims(self.store, {j.feed_id for j in jobs}, now + lease, lease)
        processes = self.config.parse_worker_count() if len(jobs) >= PARSE_POOL_MIN_FEEDS else 0
        pool = ParsePool(processes) if processes else None
        try:
            with (
                self.make_fetcher() as fetcher,
                Heartbeat(lease.total_seconds() / 3, claims.renew, name="feed"),
            ):
                outcomes = run_refresh(
                    jobs,
                    fetcher=fetcher,
                    store=lambda batch: claims.stored(self.store.store(batch, now=now)),
                    now=now,
                    workers=self.config.fetch_concurrency,
                    per_host=self.config.fetch_per_host,
                    parse=pool,
                )
        finally:
            if pool is not None:
                pool.close()
        FEEDS_FAILING.set(self.store.failing(since=utcnow() - FAILING_AFTER))
        return RefreshReport(tuple(outcomes), started_at=now, seconds=time.monotonic() - started)

    def probe(self, url: str, *, vet: Vet, now: datetime) -> Probe:
        """The first fetch of the normalised ``url``, finding the feed an HTML page names (see
        ``feeds.discovery``); nothing is stored."""
        with self.make_fetcher() as fetcher:
            return probe(url, fetcher=fetcher, now=now, vet=vet)

    def ingest(self, feed_id: int, fetched: FetchOutcome, *, now: datetime) -> FeedOutcome | None:
        """Store a probe's fetch as the first fetch of the feed just added for it, as a refresh
        would (what it lists becomes backlog), without fetching again."""
        jobs = self.store.claim(now=now, force=True, feed_ids=[feed_id], lease=self.config.claim_lease)
        if not jobs:
            return None
        outcome = replace(fetched, job=jobs[0])
        stored = self.store.store([outcome], now=now)
        for result in stored:
            FEED_REFRESHES.labels(result.outcome).inc()
            ITEMS_INGESTED.inc(result.new)
        return mark_empty(stored[0], outcome) if stored else None


def preview_of(probe: Probe, *, limit: int, already_added_as: int | None) -> FeedPreview:
    """The first items of a probe that found a readable feed (``FetchError`` when it did not)."""
    outcome = probe.outcome
    if not probe.ok or outcome.parsed is None:
        raise FetchError(probe.error or f"HTTP {outcome.status}", status=outcome.status)
    parsed = outcome.parsed
    items = tuple(
        PreviewItem(e.title, e.link, e.published_at, e.dated, e.summary) for e in parsed.entries[:limit]
    )
    return FeedPreview(
        url=probe.url,
        final_url=outcome.moved_to or probe.url,
        title=parsed.title,
        item_count=len(parsed.entries),
        items=items,
        warning=parsed.warning,
        already_added_as=already_added_as,
        discovered_from=probe.page_url,
    )


class _Claims:
    """The feeds one refresh has claimed and not stored yet, and the renewal of their lease.

    A renewal matches only claims still ending where this refresh left them, so it never moves
    the next fetch of a feed stored meanwhile (or claimed by another replica after a lapse)."""

    def __init__(self, store: RefreshStore, pending: set[int], until: datetime, lease: timedelta) -> None:
        self.store = store
        self.pending = pending
        self.until = until
        self.lease = lease
        self._lock = threading.Lock()

    def stored(self, results: list[FeedOutcome]) -> list[FeedOutcome]:
        with self._lock:
            for result in results:
                self.pending.discard(result.feed_id)
                FEED_REFRESHES.labels(result.outcome).inc()
                ITEMS_INGESTED.inc(result.new)
        return results

    def renew(self) -> bool:
        with self._lock:
            if not self.pending:
                return False
            until = utcnow() + self.lease
            self.pending &= self.store.renew(sorted(self.pending), held_until=self.until, until=until)
            self.until = until
            return bool(self.pending)
