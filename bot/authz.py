"""Who may curate: users in BRIEFBOT_ADMINS, or Slack workspace admins and owners.

The check runs in the ack path, so it never waits on Slack: users.info answers are cached
(``bot.users``) and a rate-limited or failed lookup is reported as "couldn't check", never as
"not an admin". The gate that applies it to listeners is ``bot.gate``; what refused users read,
and how refusals are audited, is ``bot.refusals``.
"""

from __future__ import annotations

from typing import Any

from bot.users import UserDirectory, UserLookupFailed
from foundation.settings import Settings


class AdminCheckUnavailable(UserLookupFailed):
    """Slack could not say whether the user is an admin."""


class AdminChecker:
    """Decides admin rights from BRIEFBOT_ADMINS and the cached users.info answer."""

    def __init__(self, settings: Settings, users: UserDirectory):
        self.settings = settings
        self.users = users

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

    def answer(self, user_id: str) -> bool | None:
        """True or False, or None when Slack could not say (then the user is told to retry)."""
        try:
            return self.is_admin(user_id)
        except AdminCheckUnavailable:
            return None


def attempt_of(body: dict[str, Any], *, with_value: bool = False) -> str:
    """What the request tried, for the audit log: ``/ai-feeds add https://…``, the action id
    (``with_value``: and the button's or option's value, e.g. ``feed_pause 3``) or the modal's
    callback id."""
    if body.get("command"):
        return f"{body['command']} {body.get('text') or ''}".strip()[:500]
    actions = body.get("actions") or []
    if actions:
        action = actions[0]
        what = str(action.get("action_id", "action"))
        if with_value:
            value = (action.get("selected_option") or {}).get("value") or action.get("value")
            what = f"{what} {value or ''}".strip()
        return what[:200]
    view = body.get("view") or {}
    return str(view.get("callback_id") or body.get("type") or "request")[:200]


def user_of(body: dict[str, Any]) -> str:
    """Who sent the request: a slash command's ``user_id``, an interaction's ``user.id``."""
    return str(body.get("user_id") or (body.get("user") or {}).get("id") or "")
