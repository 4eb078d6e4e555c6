"""The one way the app makes a Slack WebClient: always at SLACK_API_URL, with retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from foundation.settings import Settings


def make_web_client(settings: Settings, *, token: str | None = None, timeout: int = 15) -> WebClient:
    """A WebClient that honours 429 Retry-After and retries 5xx and connection errors."""
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
