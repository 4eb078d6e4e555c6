"""``subscribe_channel`` submission: the same rules as ``/ai-brief subscribe``.

The admin gate (``bot.gate``, the subscribe rule) runs first. Every input is checked in the ack
(pure parsing: channel id, department, time zone, schedule or cron, top N, quiet mode) and
errors go back on their own fields. A valid form turns into "subscribing…"; the subscription is
stored after the ack, on the slow-work pool (``BriefingService.subscribe``, audited), then the
modal shows the outcome and the subscriber's Home is republished. A non-admin may only subscribe
a channel they are in: that is checked after the ack (``users.conversations`` may wait on a rate
limit) and refused with a text from ``bot.refusals``, audited the same way.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.authz import AdminChecker
from bot.channels import member_channels, membership_warning
from bot.context import BotServices
from bot.delivery.channels import check_channel_id
from bot.gate import REFUSED_CALLBACK, REFUSED_TITLE, AdminGate, Rule
from bot.home import publish_home
from bot.listeners.views.guard import VIEW_JOBS
from bot.refusals import (
    MEMBERSHIP_CHECK_FAILED,
    MEMBERSHIP_UNCHECKED,
    NOT_A_MEMBER,
    NOT_MEMBER,
    Subject,
    Surface,
    record_refusal,
)
from bot.text import escape_mrkdwn
from bot.views.modals.parts import notice_modal
from bot.views.modals.subscribe import SubscribeForm, subscribe_done, subscribe_saving
from bot.work import BUSY
from briefings.subscriptions import check_quiet_mode, check_top_n
from briefings.subscriptions.schedule import parse_schedule, parse_timezone
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
    checker, user_id = context["admin_checker"], body["user"]["id"]
    form = SubscribeForm.from_state((view.get("state") or {}).get("values") or {})
    errors = form_errors(services, form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now = utcnow()
    name = services.briefings.resolve_department(form.department).name
    ticket = context["slow_work"].reserve(user_id)
    if ticket is None:
        ack(response_action="errors", errors={"channel": BUSY})
        return
    generation = VIEW_JOBS.begin(view["id"])
    ack(response_action="update", view=subscribe_saving(form, name, now))
    context["slow_work"].start(
        ticket,
        lambda: save_subscription(
            client, services, checker, view["id"], form, user_id, now, logger, generation
        ),
        logger=logger,
    )


def save_subscription(
    client: WebClient,
    services: BotServices,
    checker: AdminChecker,
    view_id: str,
    form: SubscribeForm,
    user_id: str,
    now: datetime,
    logger: logging.Logger,
    generation: int = 0,
) -> None:
    """Store the subscription, show the outcome, republish the subscriber's Home."""
    refusal = channel_refusal(client, services, checker, user_id, form.channel or "")
    if refusal is not None:
        notice = notice_modal(REFUSED_CALLBACK, REFUSED_TITLE, refusal)
        VIEW_JOBS.update(client, view_id, generation, notice, logger)
        return
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
    VIEW_JOBS.update(client, view_id, generation, page, logger)
    publish_home(client, services, user_id, admin_checker=checker)


def channel_refusal(
    client: WebClient, services: BotServices, checker: AdminChecker, user_id: str, channel_id: str
) -> str | None:
    """Why ``user_id`` may not change ``channel_id``'s briefing (audited), or None.

    Admins may subscribe any channel; anyone else only a channel they are in, as
    ``/ai-brief subscribe`` (run in the channel itself) implies. Slack is asked here, after the
    ack, so the lookup may wait on a rate limit without holding anyone's ack.
    """
    if checker.answer(user_id):
        return None
    channels = member_channels(client, user_id)
    if channels is not None and channel_id in channels:
        return None
    what = f"subscribe_channel {channel_id}"
    reason = MEMBERSHIP_CHECK_FAILED if channels is None else NOT_A_MEMBER
    record_refusal(services.db, user_id, what, surface=Surface.MODAL, reason=reason)
    return MEMBERSHIP_UNCHECKED if channels is None else NOT_MEMBER.format(channel=channel_id)


def register(app: App) -> None:
    gate = AdminGate(Subject.BRIEFINGS, rule=Rule.SUBSCRIBERS, field="channel")
    app.view("subscribe_channel", middleware=[gate])(subscribe_channel_submission)
