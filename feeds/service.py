"""Feed curation and refresh service (the one both the CLI and /ai-feeds use)."""

from __future__ import annotations

from briefbot.config import Settings
from storage import Database


class FeedService:
    def __init__(self, *, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def schedule(self, scheduler: object) -> None:
        """Add the periodic refresh job to the APScheduler ``scheduler``."""
