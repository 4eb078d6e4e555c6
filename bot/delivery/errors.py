"""What Slack's answers and the network's failures mean for a slot (see ``FailureKind``)."""

from __future__ import annotations

import http.client
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from briefings.delivery.port import FailureKind

NOT_SENT = FailureKind.NOT_SENT
AMBIGUOUS = FailureKind.AMBIGUOUS
# Slack refused the channel: the subscription is paused until someone fixes it.
PAUSE_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
# The token is dead: every later call fails the same way until an admin installs a new one.
PERSISTENT_ERRORS = frozenset({"invalid_auth", "account_inactive", "token_revoked"})


def post_failure(exc: BaseException) -> FailureKind | None:
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
