"""Configuration from the environment (a public contract: README, "Configuration")."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Every setting the bot reads. Secrets come only from the environment and are never logged."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = Field(default=None, repr=False)
    slack_signing_secret: str | None = Field(default=None, repr=False)
    slack_app_token: str | None = Field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL

    database_url: str = "sqlite:///briefbot.db"

    briefbot_admins: str = ""
    briefbot_allow_private_feeds: bool = False
    briefbot_refresh_minutes: int = Field(default=30, ge=1, le=24 * 60)
    briefbot_policy_dir: Path | None = None
    briefbot_certs_file: Path | None = None

    briefbot_policy_contact: str = "the Legal & Compliance team (#ask-legal)"
    briefbot_profiles_file: Path | None = None
    briefbot_retention_days: int = Field(default=90, ge=1)
    briefbot_fetch_concurrency: int = Field(default=16, ge=1, le=256)
    briefbot_fetch_per_host: int = Field(default=2, ge=1, le=64)
    briefbot_max_feed_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # How late a missed briefing slot may still be sent (at start, after downtime).
    briefbot_grace_hours: float = Field(default=6.0, ge=0)
    # How old a feed entry may be, on a feed's first fetch, and still count as news (older ones
    # are stored as backlog). It once shared BRIEFBOT_GRACE_HOURS, hence the same default.
    briefbot_fresh_hours: float = Field(default=6.0, ge=0)
    # The longest a feed server's Cache-Control max-age / Expires may delay its next fetch;
    # 0 ignores them (fetch every BRIEFBOT_REFRESH_MINUTES whatever the server says).
    briefbot_max_cache_hours: float = Field(default=24.0, ge=0, le=24)
    # Anyone in a channel may subscribe it (the contract); set to 1 to reserve it for admins.
    briefbot_subscribe_admins_only: bool = False
    # Total time one feed fetch may take (connect + redirects + body); a hung server costs no more.
    briefbot_fetch_deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    # Worker processes that parse feeds during big refreshes (feedparser is pure Python, so
    # threads share one core). Unset: one per CPU, at most 4, none on a single CPU; 0: never.
    briefbot_parse_processes: int | None = Field(default=None, ge=0, le=32)
    # HTTP mode: open connections held at once (idle or slow ones sit harmlessly up to this), and
    # how long one request may take to arrive whole from its first byte (a trickle cannot extend it).
    briefbot_http_connections: int = Field(default=1000, ge=10, le=50_000)
    briefbot_http_read_seconds: float = Field(default=10.0, gt=0, le=300)

    # How long a replica's claim on a feed refresh / a briefing slot holds without renewal. A live
    # replica renews it every third of that while working; a crashed one's work is taken over by
    # another replica once it runs out (at the next minute's tick for a briefing slot).
    briefbot_feed_claim_seconds: float = Field(default=120.0, ge=1, le=3600)
    briefbot_delivery_lease_seconds: float = Field(default=90.0, ge=1, le=3600)

    # "json": one JSON object per log line (read by the CLI before anything else starts).
    briefbot_log_format: str = "text"
    # briefbot's own log level (DEBUG, INFO, WARNING, ERROR; read by the CLI before anything else
    # starts): `run` defaults to INFO, other commands to WARNING. Libraries stay at WARNING.
    briefbot_log_level: str = ""
    # Third-party loggers' level (default WARNING): INFO shows APScheduler's per-job lines.
    briefbot_library_log_level: str = ""
    # Socket Mode: /healthz answers 503 once the connection has been down this long (a reconnect
    # normally takes a second or two; Slack asks for one every few hours).
    briefbot_socket_grace_seconds: float = Field(default=60.0, ge=0, le=3600)

    # The optional language model (any OpenAI-compatible chat-completions endpoint: vLLM, Ollama,
    # LiteLLM, Azure OpenAI). Unset: briefings and answers are the deterministic ones.
    briefbot_llm_base_url: str | None = None
    briefbot_llm_model: str = ""
    briefbot_llm_api_key: str | None = Field(default=None, repr=False)
    # One model call may take this long; a briefing waits for its texts at most twice that.
    briefbot_llm_timeout_seconds: float = Field(default=8.0, gt=0, le=120)
    # Tokens a UTC day may use across every replica; past it, the deterministic texts.
    briefbot_llm_daily_tokens: int = Field(default=200_000, ge=0)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins method names onto the base URL: without the slash it drops "api".
        return value if value.endswith("/") else value + "/"

    @field_validator(
        "briefbot_policy_dir",
        "briefbot_certs_file",
        "briefbot_profiles_file",
        "briefbot_parse_processes",
        "briefbot_llm_base_url",
        "briefbot_llm_api_key",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def admin_ids(self) -> frozenset[str]:
        """User IDs named in BRIEFBOT_ADMINS."""
        return frozenset(part.strip() for part in self.briefbot_admins.split(",") if part.strip())


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; keyword overrides win (used by the CLI and tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
