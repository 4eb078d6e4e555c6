"""``subscribe_channel`` submission: the same rules as ``/ai-brief subscribe``.

Every input is checked in the ack (pure parsing: channel id, department, time zone, schedule or
cron, top N, quiet mode) and errors go back on their own fields. A valid form turns into
"subscribing…"; the subscription is stored after the ack (``BriefingService.subscribe``, audited),
then the modal shows the outcome and the subscriber's Home is republished.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import AdminChecker
from bot.context import BotServices
from bot.surfaces import gate, membership_warning, publish_home
from bot.text import escape_mrkdwn
from bot.views.modals import SubscribeForm, notice_modal, subscribe_done, subscribe_saving
from briefings.schedule import parse_schedule, parse_timezone
from briefings.subscriptions import check_channel_id, check_quiet_mode, check_top_n
from foundation.errors import BriefbotError
from storage.audit import Actor
from storage.types import utcnow

ERROR_MAX = 300


def form_errors(services: BotServices, form: SubscribeForm) -> dict[str, str]:
    """``{block_id: message}`` for every input the service would refuse."""
    checks: list[tuple[str, Any]] = [
        ("channel", lambda: check_channel_id(form.channel or "")),
        ("department", lambda: services.briefings.resolve_department(form.department)),
        ("top", lambda: check_top_n(form.top)),
        ("quiet", lambda: check_quiet_mode(form.quiet)),
        ("timezone", lambda: parse_timezone(form.timezone)),
    ]
    errors: dict[str, str] = {}
    for block_id, check in checks:
        try:
            check()
        except BriefbotError as exc:
            errors[block_id] = str(exc)[:ERROR_MAX]
    if "timezone" not in errors:
        try:
            parse_schedule(form.schedule_text(), form.timezone)
        except BriefbotError as exc:
            errors[form.error_block()] = str(exc)[:ERROR_MAX]
    return errors


def subscribe_channel_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    services = context["services"]
    allowed = gate(context, client, body, "subscribe_channel", surface="modal", subscribe=True)
    if allowed.refusal:
        ack(response_action="errors", errors={"channel": allowed.refusal})
        return
    checker, user_id = allowed.checker, allowed.user_id
    form = SubscribeForm.from_state((view.get("state") or {}).get("values") or {})
    errors = form_errors(services, form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now = utcnow()
    name = services.briefings.resolve_department(form.department).name
    ack(response_action="update", view=subscribe_saving(form, name, now))
    save_subscription(client, services, checker, view["id"], form, user_id, now, logger)


def save_subscription(
    client: WebClient,
    services: BotServices,
    checker: AdminChecker,
    view_id: str,
    form: SubscribeForm,
    user_id: str,
    now: datetime,
    logger: logging.Logger,
) -> None:
    """Store the subscription, show the outcome, republish the subscriber's Home."""
    try:
        sub, created = services.briefings.subscribe(
            form.channel or "",
            form.department or "",
            form.schedule_text(),
            timezone=form.timezone,
            actor=Actor.slack(user_id),
            top_n=form.top,
            quiet_mode=form.quiet,
            now=now,
        )
        name = services.briefings.profiles.get(sub.department).name
        page = subscribe_done(sub, name, created, membership_warning(client, sub.channel_id))
    except BriefbotError as exc:
        page = notice_modal(
            "subscribe_channel_done", "Subscribe a channel", f":warning: {escape_mrkdwn(str(exc)[:500])}"
        )
    try:
        client.views_update(view_id=view_id, view=page)
    except SlackApiError as exc:
        logger.info("views.update of %s failed: %s", view_id, exc.response.get("error"))
    publish_home(client, services, user_id, admin_checker=checker)


def register(app: App) -> None:
    app.view("subscribe_channel")(subscribe_channel_submission)
