"""Buttons on App Home and the live parts of the ``subscribe_channel`` modal.

Each listener acks first and keeps its Bolt thread only for what cannot wait: the admin check
(cached ``users.info`` without retries) and opening a modal with the click's ``trigger_id``,
through the quick client (no retries, short timeout), because a ``trigger_id`` expires in three
seconds and must never wait on a retried call. Everything else (a refresh's fetch, Home
republished, a modal updated) runs on the fair slow-work pool (``bot.work``). Admin buttons pass
the admin gate (``bot.gate``) again here (a Home published before someone lost admin rights still
shows them); a refusal is audited, explained in a small modal, and the caller's Home is
republished without the controls.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import AdminChecker
from bot.choices import department_options, valid_timezone
from bot.context import BotServices
from bot.gate import AdminGate, Rule
from bot.home import publish_home
from bot.refusals import Subject
from bot.text import escape_mrkdwn
from bot.views.modals.add_feed import add_feed_modal
from bot.views.modals.parts import notice_modal
from bot.views.modals.subscribe import SubscribeForm, subscribe_modal
from feeds.starter import add_pack, load_pack, select, summary
from foundation.errors import BriefbotError
from foundation.ids import parse_id
from storage.audit import Actor
from storage.types import utcnow

FEED_ACTIONS = ("feed_pause", "feed_resume", "feed_refresh")
# Inputs of subscribe_channel whose change re-computes the next run times shown in the modal.
SCHEDULE_INPUTS = re.compile(r"^(cadence|weekday|time)$")


def _open(client: WebClient, trigger_id: str | None, view: dict[str, Any], logger: logging.Logger) -> None:
    if not trigger_id:
        return
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:  # an expired trigger: the click was too old to answer with a modal
        logger.warning("views.open failed: %s", exc.response.get("error"))


def later(context: BoltContext, user_id: str, work: Callable[[], object], logger: logging.Logger) -> None:
    """Run ``work`` on the slow-work pool after the ack (a full pool is logged: the click is lost,
    but nobody else's request waits for it)."""
    context["slow_work"].submit(user_id, work, logger=logger)


def home_add_feed_callback(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    """Open ``add_feed`` (admins only: the gate has checked)."""
    ack()
    _open(
        context["quick_client"],
        body.get("trigger_id"),
        add_feed_modal(department_options(context["services"])),
        logger,
    )


def home_subscribe_callback(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    """Open ``subscribe_channel`` for whoever may subscribe, time zone defaulting to theirs."""
    ack()
    # The cached, never-retried lookup: a users.info 429 must not outlive the trigger_id.
    form = SubscribeForm(timezone=valid_timezone(context["users"].timezone(body["user"]["id"])))
    options = department_options(context["services"])
    _open(context["quick_client"], body.get("trigger_id"), subscribe_modal(options, form, utcnow()), logger)


def feed_button_callback(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    """Pause, resume or refresh the feed whose id is the button's value, then republish Home."""
    ack()
    services, quick, checker = context["services"], context["quick_client"], context["admin_checker"]
    later(
        context,
        body["user"]["id"],
        lambda: run_feed_action(client, services, checker, body, action, logger, quick_client=quick),
        logger,
    )


def run_feed_action(
    client: WebClient,
    services: BotServices,
    checker: AdminChecker,
    body: dict[str, Any],
    action: dict[str, Any],
    logger: logging.Logger,
    *,
    quick_client: WebClient | None = None,
) -> None:
    """The slow part of a feed button (a refresh fetches): runs after the ack."""
    user_id = body["user"]["id"]
    what = action["action_id"]
    try:
        feed_id = parse_id(action.get("value"))
        if feed_id is None:
            raise ValueError("not a feed id")
        if what == "feed_pause":
            services.feeds.pause(feed_id, actor=Actor.slack(user_id))
        elif what == "feed_resume":
            services.feeds.resume(feed_id, actor=Actor.slack(user_id))
        else:
            services.feeds.get(feed_id)  # a clear "no such feed" before fetching
            services.feeds.refresh(feed_ids=[feed_id], force=True)
    except (BriefbotError, ValueError) as exc:
        message = (
            f":warning: {escape_mrkdwn(str(exc)[:500])}"
            if isinstance(exc, BriefbotError)
            else "That feed id is not valid."
        )
        # The trigger_id may have expired by now; a retried views.open would only wait longer.
        notice = notice_modal("feed_action_failed", "Feed", message)
        _open(quick_client or client, body.get("trigger_id"), notice, logger)
    publish_home(client, services, user_id, admin_checker=checker)


def home_edit_subscription_callback(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    """Open ``subscribe_channel`` filled in with the chosen subscription (so saving it as it is
    changes nothing, and a changed time keeps the channel's time zone)."""
    ack()
    value = (action.get("selected_option") or {}).get("value") or action.get("value")
    user_id = body["user"]["id"]
    services = context["services"]
    subscription_id = parse_id(value)
    found = [s for s in services.briefings.subscriptions() if s.id == subscription_id]
    if not found:
        notice = notice_modal("edit_failed", "Subscription", "That subscription is gone: Home is refreshed.")
        _open(context["quick_client"], body.get("trigger_id"), notice, logger)
        later(context, user_id, lambda: publish_home(client, services, user_id), logger)
        return
    form = SubscribeForm.of(found[0])
    modal = subscribe_modal(department_options(services), form, utcnow())
    _open(context["quick_client"], body.get("trigger_id"), modal, logger)


def home_starter_callback(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    """Add the bundled starter pack (fetching every feed first: slow work), then republish Home
    and tell the admin in the app's Messages tab what was added and what failed."""
    ack()
    user_id, checker = body["user"]["id"], context["admin_checker"]
    services = context["services"]

    def add() -> None:
        pack = select(load_pack(services.departments), ())
        lines = add_pack(services.feeds, pack, actor=Actor.slack(user_id))
        failed = [line for line in lines if line.result == "failed"]
        text = summary(lines)
        if failed:
            text += "\nNot added (they could not be read just now; try again later):\n" + "\n".join(
                f"• {escape_mrkdwn(line.outlet)}: {escape_mrkdwn(line.error[:200])}" for line in failed[:30]
            )
        text += (
            "\nWhat they hold now is kept as backlog, never posted as news; a channel's first "
            "briefing looks back over the past week."
        )
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError as exc:
            logger.warning("starter pack summary not sent: %s", exc.response.get("error"))
        publish_home(client, services, user_id, admin_checker=checker)

    later(context, user_id, add, logger)


def subscribe_form_changed_callback(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, logger: logging.Logger
) -> None:
    """Cadence, day or time changed in ``subscribe_channel``: show the new next run times."""
    ack()
    view = body.get("view") or {}
    if view.get("callback_id") != "subscribe_channel":
        return
    services = context["services"]
    form = SubscribeForm.from_state((view.get("state") or {}).get("values") or {})

    def update() -> None:
        try:
            client.views_update(
                view_id=view["id"],
                hash=view.get("hash"),
                view=subscribe_modal(department_options(services), form, utcnow()),
            )
        except SlackApiError as exc:  # hash_conflict: the user changed something else meanwhile
            logger.info("subscribe_channel not refreshed: %s", exc.response.get("error"))

    later(context, (body.get("user") or {}).get("id", ""), update, logger)


def register(app: App) -> None:
    """Every button here but the form's live next-run times changes curation: each passes the
    admin gate (``home_subscribe``: the subscribe rule, as ``/ai-brief subscribe``)."""
    feeds = AdminGate(Subject.FEEDS)
    app.action("home_add_feed", middleware=[feeds])(home_add_feed_callback)
    app.action("home_starter", middleware=[feeds])(home_starter_callback)
    feed_buttons = AdminGate(Subject.FEEDS, with_value=True)
    for action_id in FEED_ACTIONS:
        app.action(action_id, middleware=[feed_buttons])(feed_button_callback)
    subscribers = AdminGate(Subject.BRIEFINGS, rule=Rule.SUBSCRIBERS)
    app.action("home_subscribe", middleware=[subscribers])(home_subscribe_callback)
    editing = AdminGate(Subject.BRIEFINGS, with_value=True)
    app.action("home_edit_subscription", middleware=[editing])(home_edit_subscription_callback)
    app.action(SCHEDULE_INPUTS)(subscribe_form_changed_callback)
