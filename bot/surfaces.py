"""What App Home, its buttons and the modals share: who may do what, refusals, publishing Home.

``publish_home`` is the one entry point that (re)builds and publishes a user's Home; listeners call
it after every change an admin makes, and slash commands may call it too. It never fails: a view
that cannot be built or that Slack refuses is replaced by a minimal one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import CANNOT_CHECK, CHECK_FAILED, AdminChecker, AdminCheckUnavailable
from bot.context import BotServices
from bot.delivery.channels import INVITE
from bot.users import UserDirectory
from bot.views.home import TUNING_ROWS, AdminHome, ReaderHome, admin_view, minimal_view, reader_view
from briefings.feedback_service import describe
from briefings.subscriptions import SubscriptionView
from knowledge.types import CertView
from storage.audit import Actor, recent_entries, record
from storage.types import utcnow

log = logging.getLogger(__name__)

NOT_ADMIN = (
    "Sorry, only briefing admins can do that. Ask a workspace admin or someone listed in BRIEFBOT_ADMINS."
)
HOME_FAILED = (
    "Sorry, I couldn't build this view just now; the problem has been logged. Try reopening the tab."
)
CHANNEL_PAGES = 5  # users.conversations pages (200 channels each) read for a reader's Home


def checker_of(context: Any, services: BotServices, client: WebClient) -> AdminChecker:
    """The app's shared checker (its users.info cache), or a fresh one outside a listener."""
    checker = context.get("admin_checker") if context is not None else None
    return (
        checker
        if isinstance(checker, AdminChecker)
        else AdminChecker(services.settings, UserDirectory(client))
    )


def admin_answer(checker: AdminChecker, user_id: str) -> bool | None:
    """True or False, or None when Slack could not say (then the user is told to retry)."""
    try:
        return checker.is_admin(user_id)
    except AdminCheckUnavailable:
        return None


def refusal_text(answer: bool | None) -> str:
    """What a refused user reads: never "not an admin" when we could not check."""
    return CANNOT_CHECK if answer is None else NOT_ADMIN


def may_subscribe(checker: AdminChecker, services: BotServices, user_id: str) -> bool | None:
    """``BRIEFBOT_SUBSCRIBE_ADMINS_ONLY`` decides, as for ``/ai-brief subscribe``."""
    return True if not services.settings.briefbot_subscribe_admins_only else admin_answer(checker, user_id)


@dataclass(frozen=True)
class Gate:
    """Who is asking, the checker to reuse, and the refusal to show (None: allowed)."""

    checker: AdminChecker
    user_id: str
    refusal: str | None


def gate(
    context: Any, client: WebClient, body: dict[str, Any], what: str, *, surface: str, subscribe: bool = False
) -> Gate:
    """The admin check of an interactive surface (``subscribe``: the subscribe rule instead);
    a refusal is audited here, so callers only show ``refusal``."""
    services: BotServices = context["services"]
    checker = checker_of(context, services, client)
    user_id = body["user"]["id"]
    allowed = may_subscribe(checker, services, user_id) if subscribe else admin_answer(checker, user_id)
    if allowed:
        return Gate(checker, user_id, None)
    refuse(services, user_id, what, surface=surface, answer=allowed)
    return Gate(checker, user_id, refusal_text(allowed))


def refuse(
    services: BotServices,
    user_id: str,
    what: str,
    *,
    surface: str,
    answer: bool | None = False,
    reason: str | None = None,
) -> None:
    """Audit a refused attempt: who, what, where, why (``reason``, else from ``answer``)."""
    if reason is None:
        reason = CHECK_FAILED if answer is None else "not an admin"
    with services.db.session() as session:
        record(session, Actor.slack(user_id), "refused", what, surface=surface, reason=reason)


def membership_warning(client: WebClient, channel_id: str) -> str:
    """A warning when the bot is not in the channel (its briefings would be refused)."""
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError:
        return ""
    if info.get("is_member") is False:
        return f"\n:warning: I am not in that channel yet: `{INVITE}` there before the first briefing."
    return ""


def department_options(services: BotServices) -> list[tuple[str, str]]:
    """``(key, name)`` per department, from the registry the briefings use."""
    return [(p.key, p.name) for p in services.briefings.profiles]


def valid_timezone(name: str) -> str:
    """``name`` when it is a time zone this machine knows, else UTC."""
    try:
        if name.strip():
            ZoneInfo(name.strip())
            return name.strip()
    except (ValueError, KeyError, OSError):
        pass
    return "UTC"


def admin_home(services: BotServices) -> AdminHome:
    """Every figure the admin dashboard shows, from one read each."""
    now = utcnow()
    subscriptions = services.briefings.subscriptions(now=now)
    return AdminHome(
        feeds=services.feeds.list(),
        items_last_week=services.feeds.items_since(now - timedelta(days=7)),
        subscriptions=subscriptions,
        department_names={p.key: p.name for p in services.briefings.profiles},
        packs=services.knowledge.status(),
        audit=recent_entries(services.db),
        now=now,
        unanswered=services.knowledge.unanswered(days=7),
        tuning=channel_tuning(services, subscriptions),
    )


def channel_tuning(
    services: BotServices, subscriptions: Sequence[SubscriptionView]
) -> list[tuple[str, list[str]]]:
    """Filters and learned preferences of subscribed channels that have any (at most ten): two
    queries find those channels, so Home does not read every channel's votes."""
    feedback = services.briefings.feedback
    filters = {c: f for c, f in feedback.all_filters().items() if not f.empty}
    tuned = (set(filters) | feedback.voted_channels()) & {s.channel_id for s in subscriptions}
    return [
        (channel, describe(filters.get(channel) or feedback.filters(channel), feedback.learned(channel)))
        for channel in sorted(tuned)[:TUNING_ROWS]
    ]


def member_channels(client: WebClient, user_id: str) -> set[str] | None:
    """The channels ``user_id`` is in (as far as the bot may see), None when Slack refuses."""
    found: set[str] = set()
    cursor = None
    try:
        for _ in range(CHANNEL_PAGES):
            page = client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            found.update(c["id"] for c in page.get("channels") or [] if c.get("id"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        log.warning("users.conversations failed for %s: %s", user_id, exc.response.get("error"))
        return None
    return found


def reader_home(client: WebClient, services: BotServices, user_id: str) -> ReaderHome:
    """Subscriptions in the reader's channels and certifications for those departments."""
    channels = member_channels(client, user_id)
    subs: list[SubscriptionView] = []
    if channels:
        subs = [
            s for s in services.briefings.subscriptions() if s.channel_id in channels and s.status != "manual"
        ]
    departments = {s.department for s in subs}
    certs: list[CertView] = []
    if departments:
        certs = [c for c in services.knowledge.certifications() if departments & set(c.departments)]
    return ReaderHome(
        subscriptions=subs,
        department_names={p.key: p.name for p in services.briefings.profiles},
        certifications=certs,
        channels_unknown=channels is None,
    )


def build_home(client: WebClient, services: BotServices, user_id: str, *, is_admin: bool) -> dict[str, Any]:
    """The Home view for ``user_id``; a minimal one when building fails."""
    try:
        return (
            admin_view(admin_home(services))
            if is_admin
            else reader_view(reader_home(client, services, user_id))
        )
    except Exception:  # Home must always show something; the cause goes to the log
        log.exception("building App Home for %s failed", user_id)
        return minimal_view(HOME_FAILED)


def publish_home(
    client: WebClient, services: BotServices, user_id: str, *, admin_checker: AdminChecker | None = None
) -> dict[str, Any]:
    """Build and publish ``user_id``'s Home; returns the view published. Never raises."""
    checker = admin_checker or AdminChecker(services.settings, UserDirectory(client))
    # When Slack cannot say, the reader's Home is shown; admin controls return on the next open.
    view = build_home(client, services, user_id, is_admin=bool(admin_answer(checker, user_id)))
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish refused Home for %s: %s", user_id, exc.response.get("error"))
        view = minimal_view(HOME_FAILED)
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError:
            log.exception("even the minimal Home was refused for %s", user_id)
    return view
