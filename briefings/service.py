"""Briefing assembly, subscriptions and delivery service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefbot.config import Settings
from storage import Database

if TYPE_CHECKING:
    from knowledge.service import KnowledgeService


class BriefingService:
    def __init__(self, *, db: Database, settings: Settings, knowledge: KnowledgeService) -> None:
        self.db = db
        self.settings = settings
        self.knowledge = knowledge

    def schedule(self, scheduler: object, slack: object) -> None:
        """Add one job per active subscription to ``scheduler``; ``slack`` is a WebClient."""
