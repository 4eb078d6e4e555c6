"""Slack as the briefings' sink (``briefings.delivery.port.BriefingSink``): the few Web API
calls delivery makes, the retry policy around them, and what Slack's answers mean for a slot."""

from __future__ import annotations

import copy
import logging
import socket
from datetime import datetime
from typing import Any, Protocol, TypeVar

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.delivery.channels import is_person
from bot.delivery.errors import (
    AMBIGUOUS,
    NOT_SENT,
    PAUSE_ERRORS,
    PERSISTENT_ERRORS,
    describe,
    http_status,
    post_failure,
    slack_error,
)
from bot.delivery.history import EVENT_TYPE, History
from bot.delivery.notices import words
from bot.views.briefing import render_blocks
from briefings.delivery.port import Failure, FailureKind, Notice, Outgoing, Posted, Unreadable

log = logging.getLogger(__name__)


class WebApi(Protocol):
    """What delivery needs of a Slack Web API client (``slack_sdk.WebClient`` is one).

    Calls raise ``SlackApiError`` for Slack's ``ok: false`` answers and HTTP errors; the retry
    handlers are slack_sdk's (``ensure_retry_handlers`` fills them in)."""

    token: str | None
    base_url: str
    retry_handlers: list[RetryHandler]

    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...

    def conversations_open(self, **kwargs: Any) -> Any: ...

    def chat_getPermalink(self, *, channel: str, message_ts: str, **kwargs: Any) -> Any: ...

    def conversations_history(self, *, channel: str, **kwargs: Any) -> Any: ...

    def auth_test(self, **kwargs: Any) -> Any: ...


Client = TypeVar("Client", bound=WebApi)


class SlackSink:
    """Briefings delivered to Slack channels, notices as DMs. Thread-safe.

    Built once on a client made for delivery (``briefbot.services``): the retry policy is
    applied here, to that client (a copy when it lacks handlers), never to the Bolt app's."""

    def __init__(self, client: WebApi) -> None:
        self.client = ensure_retry_handlers(client)
        # Briefing posts: a copy without the handlers that would re-send (see ``posting_client``).
        self.poster = posting_client(self.client)
        self.history = History()

    def post(self, destination: str, message: Outgoing) -> str | None:
        rendered = render_blocks(message.briefing)
        response = self.poster.chat_postMessage(
            channel=destination,
            text=rendered.text,
            blocks=rendered.blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {"delivery_key": message.key, "story_ids": message.story_ids},
            },
        )
        ts = response.get("ts")
        return str(ts) if ts is not None else None

    def find(self, destination: str, key: str, *, since: datetime) -> Posted | Unreadable | None:
        return self.history.search(self.client, destination, key, oldest=since)

    def permalink(self, destination: str, message_id: str) -> str | None:
        try:
            link = self.client.chat_getPermalink(channel=destination, message_ts=message_id).get("permalink")
        except Exception as exc:  # missing scope, rate limit, network: the briefing is posted anyway
            log.info("no permalink for %s in %s: %s", message_id, destination, exc)
            return None
        return str(link) if link else None

    def direct(self, person: str) -> str | None:
        opened = self.client.conversations_open(users=person)
        channel = (opened.get("channel") or {}).get("id")
        return str(channel) if channel else None

    def say(self, destination: str, text: str) -> None:
        self.client.chat_postMessage(channel=destination, text=text, unfurl_links=False)

    def is_person(self, ref: str) -> bool:
        return is_person(ref)

    def classify(self, error: BaseException) -> Failure:
        code, status = slack_error(error), http_status(error)
        kind = self.kind_of(code) if code is not None else None
        if kind is not None:
            return Failure(kind, code or "", answered=True, status=status)
        return Failure(post_failure(error), describe(error), answered=code is not None, status=status)

    def kind_of(self, error: str) -> FailureKind | None:
        if error in PAUSE_ERRORS:
            return FailureKind.PAUSE
        if error in PERSISTENT_ERRORS:
            return FailureKind.PERSISTENT
        return None

    def words(self, notice: Notice) -> str:
        return words(notice)


def ensure_retry_handlers(client: Client) -> Client:
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


def posting_client(client: Client) -> Client:
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


__all__ = [
    "AMBIGUOUS",
    "NOT_SENT",
    "PAUSE_ERRORS",
    "PERSISTENT_ERRORS",
    "SlackSink",
    "describe",
    "ensure_retry_handlers",
    "http_status",
    "post_failure",
    "posting_client",
    "slack_error",
]
