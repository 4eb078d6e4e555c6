"""``app_home_opened``: publish the Home tab for whoever opened it (Bolt acks events itself)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.surfaces import checker_of, publish_home


def app_home_opened_callback(
    event: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    """Only the Home tab is ours; the Messages tab needs nothing."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    services = context["services"]
    publish_home(client, services, event["user"], admin_checker=checker_of(context, services, client))


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened_callback)
