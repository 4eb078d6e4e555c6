"""Who may curate: users in BRIEFBOT_ADMINS, or Slack workspace admins and owners.

The check runs in the ack path, so it never waits on Slack: users.info answers are cached
(``bot.users``) and a rate-limited or failed lookup is reported as "couldn't check", never as
"not an admin". Every refusal is audited (who, what, why) through the ``on_refused`` hook.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltResponse

from bot.users import UserDirectory, UserLookupFailed
from foundation.settings import Settings

log = logging.getLogger(__name__)

REFUSAL = (
    "Sorry, only briefing admins can change feeds. "
    "Ask one of your workspace admins, or someone listed in BRIEFBOT_ADMINS."
)
CANNOT_CHECK = (
    ":hourglass: I couldn't check your admin rights just now (Slack is busy); please try again in a minute."
)

# The audit reason when Slack could not say whether the user is an admin.
CHECK_FAILED = "admin rights could not be checked"
# (user_id, what was attempted, why refused): records the refusal, e.g. in the audit log.
RefusalHook = Callable[[str, str, str], None]


class AdminCheckUnavailable(UserLookupFailed):
    """Slack could not say whether the user is an admin."""


class AdminChecker:
    """Decides admin rights from BRIEFBOT_ADMINS and the cached users.info answer."""

    def __init__(self, settings: Settings, users: UserDirectory, *, on_refused: RefusalHook | None = None):
        self.settings = settings
        self.users = users
        self.on_refused = on_refused

    def __deepcopy__(self, memo: dict[int, Any]) -> AdminChecker:
        # Bolt deep-copies the context for lazy listeners: share the checker, don't copy it.
        return self

    def is_admin(self, user_id: str) -> bool:
        """True for admins; ``AdminCheckUnavailable`` when Slack cannot say."""
        if user_id in self.settings.admin_ids:
            return True
        try:
            user = self.users.get(user_id)
        except UserLookupFailed as exc:
            raise AdminCheckUnavailable(str(exc)) from exc
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    def refused(self, user_id: str, attempt: str, reason: str) -> None:
        """Record a refusal; a failing record is logged, never shown to the user."""
        if self.on_refused is None:
            return
        try:
            self.on_refused(user_id, attempt, reason)
        except Exception:
            log.exception("could not audit a refused attempt by %s", user_id)


def attempt_of(body: dict[str, Any]) -> str:
    """What the request tried, for the audit log: ``/ai-feeds add https://…`` or the action id."""
    if body.get("command"):
        return f"{body['command']} {body.get('text') or ''}".strip()[:500]
    actions = body.get("actions") or []
    if actions:
        return str(actions[0].get("action_id", "action"))[:200]
    view = body.get("view") or {}
    return str(view.get("callback_id") or body.get("type") or "request")[:200]


def require_admin(checker: AdminChecker) -> Callable[..., Any]:
    """Listener middleware: non-admins get a polite ephemeral refusal (audited) and nothing runs."""

    def middleware(ack: Ack, body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        user_id = body.get("user_id") or (body.get("user") or {}).get("id", "")
        try:
            if checker.is_admin(user_id):
                return next()
        except AdminCheckUnavailable:
            checker.refused(user_id, attempt_of(body), CHECK_FAILED)
            ack(text=CANNOT_CHECK, response_type="ephemeral")
            return ack.response
        checker.refused(user_id, attempt_of(body), "not an admin")
        ack(text=REFUSAL, response_type="ephemeral")
        # A listener middleware that skips next() must return the response, or Bolt answers 404.
        return ack.response

    return middleware
