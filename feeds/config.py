"""The settings the feeds package needs, handed in by the composition root (not the whole Settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from feeds.fetch import MAX_FRESH_FOR
from foundation.departments import DepartmentRegistry


@dataclass(frozen=True)
class FeedConfig:
    """Feed refresh, fetch and retention settings. The defaults are the documented ``BRIEFBOT_*`` ones."""

    # The departments feeds may be tagged with (the profiles' registry, so every alias works here too).
    departments: DepartmentRegistry
    refresh_minutes: int = 30  # BRIEFBOT_REFRESH_MINUTES: the normal refresh period
    # BRIEFBOT_FRESH_HOURS: how far before a feed's last success a new entry may be dated and
    # still be news (older ones are an old item resurfacing, stored as backlog).
    fresh_hours: float = 6.0
    max_cache_hours: float = MAX_FRESH_FOR / 3600  # BRIEFBOT_MAX_CACHE_HOURS; 0 ignores servers
    parse_processes: int | None = None  # BRIEFBOT_PARSE_PROCESSES; None picks from the CPU count
    fetch_concurrency: int = 16  # BRIEFBOT_FETCH_CONCURRENCY
    fetch_per_host: int = 2  # BRIEFBOT_FETCH_PER_HOST
    allow_private_feeds: bool = False  # BRIEFBOT_ALLOW_PRIVATE_FEEDS
    retention_days: int = 90  # BRIEFBOT_RETENTION_DAYS
    max_feed_bytes: int = 10 * 1024 * 1024  # BRIEFBOT_MAX_FEED_BYTES
    fetch_deadline_seconds: float = 30.0  # BRIEFBOT_FETCH_DEADLINE_SECONDS
    # BRIEFBOT_FEED_CLAIM_SECONDS: a claimed feed is not due for another replica for this long,
    # renewed while its refresh runs.
    claim_seconds: float = 120.0

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.claim_seconds)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.refresh_minutes)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.fresh_hours)

    @property
    def max_fresh(self) -> timedelta:
        return timedelta(hours=self.max_cache_hours)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    def parse_worker_count(self) -> int:
        """How many parse worker processes a big refresh uses."""
        if self.parse_processes is not None:
            return self.parse_processes
        cpus = os.cpu_count() or 1
        return 0 if cpus < 2 else min(cpus, 4)
