"""``users.info`` answers, cached per user, fetched without retries (they run in the ack path)."""

from __future__ import annotations

import logging
import time
from threading import Lock
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from foundation.errors import BriefbotError

log = logging.getLogger(__name__)

USER_TTL_SECONDS = 600.0
USER_CACHE_MAX = 10_000


class UserLookupFailed(BriefbotError):
    """Slack did not say who the user is (rate limited, down, or refused)."""


class UserDirectory:
    """Slack users by ID, each answer kept ``ttl_seconds`` (users.info was asked on every command).

    ``client`` should be a quick client (no retries, short timeout): a lookup never sleeps on
    Retry-After. Failures are not cached, so the next command asks again. Thread-safe.
    """

    def __init__(self, client: WebClient, *, ttl_seconds: float = USER_TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> UserDirectory:
        return self  # shared by every request, never copied with a Bolt context

    def get(self, user_id: str) -> dict[str, Any]:
        """The ``user`` object of users.info, or ``UserLookupFailed``."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(user_id)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            raise UserLookupFailed(f"users.info failed: {exc.response.get('error')}") from exc
        except Exception as exc:  # timeouts and connection errors surface as several types
            log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            raise UserLookupFailed(f"users.info failed: {type(exc).__name__}") from exc
        with self._lock:
            if len(self._cache) >= USER_CACHE_MAX:
                self._cache.clear()  # a crude bound: a workspace this large re-asks once
            self._cache[user_id] = (now, dict(user))
        return user

    def timezone(self, user_id: str, default: str = "UTC") -> str:
        """The user's Slack timezone name, or ``default`` when Slack does not say."""
        try:
            return str(self.get(user_id).get("tz") or "").strip() or default
        except UserLookupFailed:
            return default
