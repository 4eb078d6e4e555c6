"""One factory wires the parts (in the manner of lemon24/reader's ``make_reader``).

``make_services`` opens the database, migrates it, and builds the feed, briefing and knowledge
services on top. If a later step fails, what was opened is closed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.views.briefing import render_blocks
from briefings.profiles import load_profiles
from briefings.service import BriefingConfig, BriefingService
from feeds.config import FeedConfig
from feeds.service import FeedService
from foundation.departments import DepartmentRegistry
from foundation.settings import Settings
from knowledge.service import KnowledgeConfig, KnowledgeService
from storage import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a front door (Slack listener, CLI command, scheduler job) needs."""

    settings: Settings
    db: Database
    feeds: FeedService
    briefings: BriefingService
    knowledge: KnowledgeService
    # The one department registry (from the profiles) every layer was handed.
    departments: DepartmentRegistry

    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        # Bolt deep-copies the context for lazy listeners: they must get the same services.
        return self

    def close(self) -> None:
        self.db.dispose()


def make_services(settings: Settings, *, upgrade: bool = True, load_packs: bool = True) -> Services:
    """Build all services for ``settings``; migrate the database first when ``upgrade``."""
    # Profiles first: a bad BRIEFBOT_PROFILES_FILE stops the start before the database is touched.
    departments = load_profiles(settings.briefbot_profiles_file).registry
    db = Database(settings.database_url)
    try:
        if upgrade:
            db.upgrade()
        knowledge = KnowledgeService(
            db=db,
            config=KnowledgeConfig(
                departments=departments,
                policy_dir=settings.briefbot_policy_dir,
                certs_file=settings.briefbot_certs_file,
                policy_contact=settings.briefbot_policy_contact,
                admins=tuple(sorted(settings.admin_ids)),
            ),
        )
        if load_packs:
            knowledge.load_configured_packs()
        feeds = FeedService(
            db=db,
            config=FeedConfig(
                departments=departments,
                refresh_minutes=settings.briefbot_refresh_minutes,
                fresh_hours=settings.briefbot_fresh_hours,
                max_cache_hours=settings.briefbot_max_cache_hours,
                parse_processes=settings.briefbot_parse_processes,
                fetch_concurrency=settings.briefbot_fetch_concurrency,
                fetch_per_host=settings.briefbot_fetch_per_host,
                allow_private_feeds=settings.briefbot_allow_private_feeds,
                retention_days=settings.briefbot_retention_days,
                max_feed_bytes=settings.briefbot_max_feed_bytes,
                fetch_deadline_seconds=settings.briefbot_fetch_deadline_seconds,
                claim_seconds=settings.briefbot_feed_claim_seconds,
            ),
        )
        briefings = BriefingService(
            db=db,
            config=BriefingConfig(
                profiles_file=settings.briefbot_profiles_file,
                grace_hours=settings.briefbot_grace_hours,
                admin_ids=settings.admin_ids,
                retention_days=settings.briefbot_retention_days,
                delivery_lease_seconds=settings.briefbot_delivery_lease_seconds,
            ),
            knowledge=knowledge,
            renderer=render_blocks,
        )
        return Services(
            settings=settings,
            db=db,
            feeds=feeds,
            briefings=briefings,
            knowledge=knowledge,
            departments=departments,
        )
    except BaseException:
        db.dispose()
        raise
