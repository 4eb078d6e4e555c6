"""Policy search and certification recommendation service."""

from __future__ import annotations

from briefbot.config import Settings
from storage import Database


class KnowledgeService:
    def __init__(self, *, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def load_configured_packs(self) -> None:
        """Load BRIEFBOT_POLICY_DIR / BRIEFBOT_CERTS_FILE (and the bundled pack on first start)."""
