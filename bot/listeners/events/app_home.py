"""``app_home_opened``: publish the Home tab for whoever opened it.

Bolt acks events itself, but the listener still holds one of its threads: building Home and a
``views.publish`` that may be retried through a 429 storm run on the slow-work pool instead.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.home import checker_of, publish_home


def app_home_opened_callback(
    event: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    """Only the Home tab is ours; the Messages tab needs nothing."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    services, user_id = context["services"], event["user"]
    checker = checker_of(context, services, client)
    context["slow_work"].submit(
        user_id, lambda: publish_home(client, services, user_id, admin_checker=checker), logger=logger
    )


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened_callback)
