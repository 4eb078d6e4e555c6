"""Who may curate: users in BRIEFBOT_ADMINS, or Slack workspace admins and owners."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from threading import Lock
from typing import Any

from slack_bolt import Ack, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from foundation.settings import Settings

log = logging.getLogger(__name__)

REFUSAL = (
    "Sorry, only briefing admins can change feeds. "
    "Ask one of your workspace admins, or someone listed in BRIEFBOT_ADMINS."
)


class AdminChecker:
    """Decides admin rights, caching users.info answers for a few minutes."""

    def __init__(self, settings: Settings, *, ttl_seconds: float = 300.0) -> None:
        self.settings = settings
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> AdminChecker:
        # Bolt deep-copies the context for lazy listeners: share the checker, don't copy it.
        return self

    def is_admin(self, client: WebClient, user_id: str) -> bool:
        if user_id in self.settings.admin_ids:
            return True
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(user_id)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return False
        allowed = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._cache[user_id] = (now, allowed)
        return allowed


def require_admin(checker: AdminChecker) -> Callable[..., Any]:
    """Listener middleware: non-admins get a polite ephemeral refusal and nothing runs."""

    def middleware(
        ack: Ack, body: dict[str, Any], client: WebClient, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        user_id = body.get("user_id") or (body.get("user") or {}).get("id", "")
        if checker.is_admin(client, user_id):
            return next()
        ack(text=REFUSAL, response_type="ephemeral")
        # A listener middleware that skips next() must return the response, or Bolt answers 404.
        return ack.response

    return middleware
