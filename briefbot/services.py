"""One factory wires the parts (in the manner of lemon24/reader's ``make_reader``).

``make_services`` opens the database and migrates it; the feed, briefing and knowledge services
on top are built on first use. A CLI command then imports and builds only what it touches
(``feeds refresh`` never loads Slack's Block Kit models or the policy packs), which is most of
a short command's start-up time. The long-running bot builds everything up front
(``build_all``), before any thread can race to build a service twice.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any

from briefings.assembly.profile_file import load_profiles
from foundation.departments import DepartmentRegistry
from foundation.settings import Settings
from storage import Database

if TYPE_CHECKING:
    from briefings.delivery.port import BriefingSink
    from briefings.ports import CertSpotlight, PolicyLinks
    from briefings.service import BriefingService
    from feeds.service import FeedService
    from knowledge.service import KnowledgeService
    from llm import LanguageModel

log = logging.getLogger(__name__)


class Services:
    """Everything a front door (Slack listener, CLI command, scheduler job) needs."""

    def __init__(
        self, settings: Settings, db: Database, departments: DepartmentRegistry, *, load_packs: bool = True
    ) -> None:
        self.settings = settings
        self.db = db
        # The one department registry (from the profiles) every layer is handed.
        self.departments = departments
        self._load_packs = load_packs

    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        # Bolt deep-copies the context for lazy listeners: they must get the same services.
        return self

    @cached_property
    def model(self) -> LanguageModel | None:
        """The optional language model (``BRIEFBOT_LLM_BASE_URL``), or None."""
        s = self.settings
        if not s.briefbot_llm_base_url:
            return None
        from llm import LanguageModel, ModelConfig

        return LanguageModel(
            ModelConfig(
                base_url=s.briefbot_llm_base_url,
                model=s.briefbot_llm_model,
                api_key=s.briefbot_llm_api_key,
                timeout_seconds=s.briefbot_llm_timeout_seconds,
                daily_tokens=s.briefbot_llm_daily_tokens,
            ),
            self.db,
        )

    @cached_property
    def knowledge(self) -> KnowledgeService:
        from knowledge.service import KnowledgeConfig, KnowledgeService

        s = self.settings
        knowledge = KnowledgeService(
            db=self.db,
            config=KnowledgeConfig(
                departments=self.departments,
                policy_dir=s.briefbot_policy_dir,
                certs_file=s.briefbot_certs_file,
                policy_contact=s.briefbot_policy_contact,
                admins=tuple(sorted(s.admin_ids)),
            ),
            model=self.model,
        )
        if self._load_packs:
            knowledge.load_configured_packs()
        return knowledge

    @cached_property
    def feeds(self) -> FeedService:
        from feeds.config import FeedConfig
        from feeds.service import FeedService

        s = self.settings
        return FeedService(
            db=self.db,
            config=FeedConfig(
                departments=self.departments,
                refresh_minutes=s.briefbot_refresh_minutes,
                fresh_hours=s.briefbot_fresh_hours,
                max_cache_hours=s.briefbot_max_cache_hours,
                parse_processes=s.briefbot_parse_processes,
                fetch_concurrency=s.briefbot_fetch_concurrency,
                fetch_per_host=s.briefbot_fetch_per_host,
                allow_private_feeds=s.briefbot_allow_private_feeds,
                retention_days=s.briefbot_retention_days,
                max_feed_bytes=s.briefbot_max_feed_bytes,
                fetch_deadline_seconds=s.briefbot_fetch_deadline_seconds,
                claim_seconds=s.briefbot_feed_claim_seconds,
            ),
        )

    @cached_property
    def delivery_sink(self) -> BriefingSink:
        """Where scheduled briefings go: Slack, through a Web API client of delivery's own (its
        retry policy is applied there, once; the Bolt app's ``app.client`` is never touched)."""
        from bot.client import make_web_client
        from bot.delivery import SlackSink

        return SlackSink(make_web_client(self.settings))

    @cached_property
    def briefings(self) -> BriefingService:
        from bot.delivery.channels import SlackChannels
        from bot.views.briefing import render_blocks
        from briefings.service import BriefingConfig, BriefingService

        s = self.settings
        return BriefingService(
            db=self.db,
            config=BriefingConfig(
                profiles_file=s.briefbot_profiles_file,
                grace_hours=s.briefbot_grace_hours,
                admin_ids=s.admin_ids,
                retention_days=s.briefbot_retention_days,
                delivery_lease_seconds=s.briefbot_delivery_lease_seconds,
                model_deadline_seconds=2 * s.briefbot_llm_timeout_seconds,
            ),
            knowledge=self.knowledge,
            renderer=render_blocks,
            destinations=SlackChannels(),
            model=self.model,
        )

    def build_all(self) -> Services:
        """Build every service now (the bot, before its threads start; a bad pack fails here)."""
        for name in ("model", "knowledge", "feeds", "briefings"):
            getattr(self, name)
        return self

    def close(self) -> None:
        self.db.dispose()


def make_services(settings: Settings, *, upgrade: bool = True, load_packs: bool = True) -> Services:
    """Open the database for ``settings`` (migrating it first when ``upgrade``); the services on
    top are built when first used."""
    # Profiles first: a bad BRIEFBOT_PROFILES_FILE stops the start before the database is touched.
    departments = load_profiles(settings.briefbot_profiles_file).registry
    db = Database(settings.database_url)
    try:
        if upgrade:
            db.upgrade()
        return Services(settings, db, departments, load_packs=load_packs)
    except BaseException:
        db.dispose()
        raise


def _knowledge_fits_the_briefings(knowledge: KnowledgeService) -> tuple[PolicyLinks, CertSpotlight]:
    """Never called: mypy checks here that the knowledge service has both optional parts the
    briefings use (``briefings.ports``), so a renamed method fails the type check, not a briefing."""
    return knowledge, knowledge
