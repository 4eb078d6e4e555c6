"""App Home: what it shows (assembled from service calls), and publishing it.

``publish_home`` is the one entry point that (re)builds and publishes a user's Home; listeners call
it after every change an admin makes, and slash commands may call it too. It never fails: a view
that cannot be built or that Slack refuses is replaced by a minimal one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import AdminChecker
from bot.channels import member_channels
from bot.context import BotServices
from bot.users import UserDirectory
from bot.views.home import AdminHome, ReaderHome, admin_view, minimal_view, reader_view
from bot.views.home_sections import TUNING_ROWS
from briefings.subscriptions import SubscriptionView
from knowledge.types import CertView
from storage.audit import recent_entries
from storage.types import utcnow

log = logging.getLogger(__name__)

HOME_FAILED = (
    "Sorry, I couldn't build this view just now; the problem has been logged. Try reopening the tab."
)


def checker_of(context: Any, services: BotServices, client: WebClient) -> AdminChecker:
    """The app's shared checker (its users.info cache), or a fresh one outside a listener."""
    checker = context.get("admin_checker") if context is not None else None
    return (
        checker
        if isinstance(checker, AdminChecker)
        else AdminChecker(services.settings, UserDirectory(client))
    )


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
    """Filters and learned preferences of subscribed channels that have any (at most ten)."""
    return services.briefings.feedback.tuning((s.channel_id for s in subscriptions), TUNING_ROWS)


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
    view = build_home(client, services, user_id, is_admin=bool(checker.answer(user_id)))
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
