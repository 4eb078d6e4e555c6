"""The one way the app makes a Slack WebClient: always at SLACK_API_URL, every call counted in
``briefbot_slack_api_calls_total``.

Two retry policies, chosen by where the call runs: slow work (delivery, work after the ack)
honours 429 Retry-After and retries 5xx and connection errors; the ack path (``quick=True``)
never retries or sleeps, because Slack's 3-second limit is shorter than any Retry-After.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from bot.outbound import clean_outbound
from foundation.metrics import SLACK_API_CALLS
from foundation.settings import Settings

QUICK_TIMEOUT = 2


class CountingWebClient(WebClient):
    """slack_sdk's client, counting each API call by method and outcome, cleaning what it sends
    (``bot.outbound``)."""

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> SlackResponse:
        for part in ("json", "params", "data"):
            if isinstance(kwargs.get(part), dict):
                kwargs[part] = clean_outbound(kwargs[part])
        try:
            response = super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            SLACK_API_CALLS.labels(
                api_method, str(exc.response.get("error") or exc.response.status_code)
            ).inc()
            raise
        except Exception as exc:
            SLACK_API_CALLS.labels(api_method, type(exc).__name__).inc()
            raise
        SLACK_API_CALLS.labels(api_method, "ok").inc()
        return response


def make_web_client(
    settings: Settings, *, token: str | None = None, timeout: int = 15, quick: bool = False
) -> WebClient:
    """A WebClient with retry handlers, or with none and a short timeout when ``quick``."""
    return CountingWebClient(
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
