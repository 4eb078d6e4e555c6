"""Slack as a sink: the few Web API calls delivery makes, and the retry policy around them."""

from __future__ import annotations

import copy
import http.client
import socket
from typing import Any, Protocol, TypeVar
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

NOT_SENT = "not sent"
AMBIGUOUS = "ambiguous"


class SlackSink(Protocol):
    """What delivery needs of a Slack Web API client (``slack_sdk.WebClient`` is one).

    Calls raise ``SlackApiError`` for Slack's ``ok: false`` answers and HTTP errors; the retry
    handlers are slack_sdk's (``ensure_retry_handlers`` fills them in)."""

    token: str | None
    retry_handlers: list[RetryHandler]

    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...

    def conversations_open(self, **kwargs: Any) -> Any: ...

    def chat_getPermalink(self, *, channel: str, message_ts: str, **kwargs: Any) -> Any: ...

    def conversations_history(self, *, channel: str, **kwargs: Any) -> Any: ...

    def auth_test(self, **kwargs: Any) -> Any: ...


Sink = TypeVar("Sink", bound=SlackSink)


def ensure_retry_handlers(client: Sink) -> Sink:
    """``client`` with 429 / 5xx / connection-and-timeout retry handlers: itself when it has them,
    else a copy that adds what it lacks (the caller's client, the bot's own, is never changed).
    Right for reads and DMs; briefing posts go through ``posting_client``."""
    kinds = {type(h) for h in client.retry_handlers}
    missing: list[RetryHandler] = []
    if RateLimitErrorRetryHandler not in kinds:
        missing.append(RateLimitErrorRetryHandler(max_retry_count=3))
    if ServerErrorRetryHandler not in kinds:
        missing.append(ServerErrorRetryHandler(max_retry_count=2))
    if not any(
        isinstance(h, ConnectionErrorRetryHandler) and _covers_timeouts(h) for h in client.retry_handlers
    ):
        missing.append(
            ConnectionErrorRetryHandler(max_retry_count=2, error_types=[TimeoutError, socket.timeout])
        )
    if not missing:
        return client
    delivery = copy.copy(client)
    delivery.retry_handlers = [*client.retry_handlers, *missing]
    return delivery


def _covers_timeouts(handler: ConnectionErrorRetryHandler) -> bool:
    return any(issubclass(TimeoutError, t) for t in getattr(handler, "error_types_to_do_retries", []))


def posting_client(client: Sink) -> Sink:
    """A copy of ``client`` for briefing posts: without the connection-error and 5xx retry
    handlers, which would re-send a post Slack may already have stored, and with a 429 handler."""
    poster = copy.copy(client)
    poster.retry_handlers = [
        h
        for h in client.retry_handlers
        if not isinstance(h, ConnectionErrorRetryHandler | ServerErrorRetryHandler)
    ]
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in poster.retry_handlers):
        poster.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return poster


def post_failure(exc: BaseException) -> str | None:
    """How a failed post failed: ``NOT_SENT``, ``AMBIGUOUS`` (Slack may have stored it), or None
    (an answer Slack gave, or not a network error: not retried here)."""
    if isinstance(exc, SlackApiError):
        return AMBIGUOUS if exc.response.status_code >= 500 else None
    if isinstance(exc, URLError):  # urllib wraps only errors raised while connecting or sending
        return NOT_SENT
    if isinstance(exc, OSError | http.client.HTTPException):
        return AMBIGUOUS
    return None


def slack_error(exc: BaseException) -> str | None:
    """Slack's error code for a refused call, None for anything else."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    return None


def describe(exc: BaseException) -> str:
    """A failure in a log line or a slot's error: Slack's error code, else the exception."""
    return slack_error(exc) or f"{type(exc).__name__}: {exc}"


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a refused call (for log lines)."""
    return exc.response.status_code if isinstance(exc, SlackApiError) else None
