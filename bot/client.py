"""The one way the app makes a Slack WebClient: always at SLACK_API_URL.

Two retry policies, chosen by where the call runs: slow work (delivery, work after the ack)
honours 429 Retry-After and retries 5xx and connection errors; the ack path (``quick=True``)
never retries or sleeps, because Slack's 3-second limit is shorter than any Retry-After.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from foundation.settings import Settings

QUICK_TIMEOUT = 2


def make_web_client(
    settings: Settings, *, token: str | None = None, timeout: int = 15, quick: bool = False
) -> WebClient:
    """A WebClient with retry handlers, or with none and a short timeout when ``quick``."""
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=min(timeout, QUICK_TIMEOUT) if quick else timeout,
        retry_handlers=[]
        if quick
        else [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
