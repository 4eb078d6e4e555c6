"""``add_feed`` and ``add_feed_preview`` submissions.

Both pass the admin gate (``bot.gate``) first. The ack only parses: a malformed or refused URL
(``FeedService.check_address``, no network) comes back at once as a field error on ``url``;
otherwise the modal turns into "checking the feed…" and the first fetch runs after the ack on the
slow-work pool (:func:`fill_preview`, never on Bolt's listener thread): one service call
(``briefings.assembly.preview.preview_feed``) fetches and ranks it, and the preview is filled in with
``views.update``. Submitting the preview saves the feed as ``/ai-feeds add`` does
(``FeedService.add``, audited) and republishes the admin's Home. A page that names its feed
previews, and then saves, that feed; a feed whose fetch failed can still be saved ("Save
anyway": ``add`` without ``check``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.authz import AdminChecker
from bot.context import BotServices
from bot.gate import AdminGate
from bot.home import publish_home
from bot.listeners.views.guard import VIEW_JOBS
from bot.refusals import Subject
from bot.text import clean_url, escape_mrkdwn
from bot.views.modals.add_feed import (
    FEED_NAME_MAX,
    FeedDraft,
    add_feed_checking,
    add_feed_done,
    add_feed_failed,
    add_feed_preview,
)
from bot.views.modals.parts import notice_modal, values_of
from bot.work import BUSY
from briefings.assembly.preview import preview_feed
from feeds.errors import InvalidFeedURL
from foundation.errors import BriefbotError
from storage.audit import Actor

ERROR_MAX = 300
TOO_MANY = (
    "That is more departments than one feed can carry here; pick fewer, or tag more with `/ai-feeds tag`."
)
UNEXPECTED = "Something went wrong while checking the feed; the problem has been logged."


def add_feed_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    """Check the URL at once (no network); then preview the feed after the ack."""
    services = context["services"]
    user_id = body["user"]["id"]
    values = values_of((view.get("state") or {}).get("values") or {})
    try:
        url = services.feeds.check_address(clean_url(values.get("url") or ""))
    except BriefbotError as exc:
        ack(response_action="errors", errors={"url": str(exc)[:ERROR_MAX]})
        return
    departments = tuple(values.get("departments") or ())
    if not departments:
        ack(response_action="errors", errors={"departments": "Pick at least one department."})
        return
    draft = FeedDraft(url, departments, (values.get("name") or "").strip()[:FEED_NAME_MAX] or None)
    if not draft.fits():  # only a very long list of departments can outgrow private_metadata
        ack(response_action="errors", errors={"departments": TOO_MANY})
        return
    ticket = context["slow_work"].reserve(user_id)
    if ticket is None:
        ack(response_action="errors", errors={"url": BUSY})
        return
    generation = VIEW_JOBS.begin(view["id"])
    ack(response_action="update", view=add_feed_checking(draft))
    context["slow_work"].start(
        ticket, lambda: fill_preview(client, services, view["id"], draft, logger, generation), logger=logger
    )


def fill_preview(
    client: WebClient,
    services: BotServices,
    view_id: str,
    draft: FeedDraft,
    logger: logging.Logger,
    generation: int = 0,
) -> None:
    """The slow step: fetch the feed once, rank its items, show the preview."""
    try:
        ranked = preview_feed(services.feeds, services.briefings, draft.url, draft.departments)
        if ranked.preview.discovered_from:
            # The URL was a page naming its feed: saving the preview saves that feed.
            found = replace(draft, url=ranked.preview.url)
            draft = found if found.fits() else draft
        page = add_feed_preview(draft, ranked.preview, ranked.picks)
    except InvalidFeedURL as exc:  # refused after resolving the host (SSRF guard): never saved
        page = add_feed_failed(draft, str(exc), can_save=False)
    except BriefbotError as exc:
        page = add_feed_failed(draft, f"The first fetch failed: {exc}", can_save=True)
    except Exception:
        logger.exception("add_feed preview of %s failed", draft.url)
        page = add_feed_failed(draft, UNEXPECTED, can_save=True)
    VIEW_JOBS.update(client, view_id, generation, page, logger)


def add_feed_preview_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    """Save the previewed feed (after the ack: adding fetches it again, as ``/ai-feeds add`` does)."""
    services = context["services"]
    checker, user_id = context["admin_checker"], body["user"]["id"]
    draft = FeedDraft.from_metadata(view.get("private_metadata") or "")
    ticket = context["slow_work"].reserve(user_id)
    if ticket is None:
        ack(response_action="update", view=notice_modal("add_feed_busy", "Add a feed", BUSY))
        return
    generation = VIEW_JOBS.begin(view["id"])
    ack(
        response_action="update",
        view=notice_modal("add_feed_saving", "Add a feed", ":hourglass_flowing_sand: Saving the feed…"),
    )
    context["slow_work"].start(
        ticket,
        lambda: save_feed(client, services, checker, view["id"], draft, user_id, logger, generation),
        logger=logger,
    )


def save_feed(
    client: WebClient,
    services: BotServices,
    checker: AdminChecker,
    view_id: str,
    draft: FeedDraft,
    user_id: str,
    logger: logging.Logger,
    generation: int = 0,
) -> None:
    """Store the feed, show the outcome, republish the admin's Home."""
    try:
        result = services.feeds.add(
            draft.url, list(draft.departments), name=draft.name, actor=Actor.slack(user_id)
        )
        page = add_feed_done(result)
    except BriefbotError as exc:
        page = notice_modal("add_feed_done", "Add a feed", f":warning: {escape_mrkdwn(str(exc)[:500])}")
    VIEW_JOBS.update(client, view_id, generation, page, logger)
    publish_home(client, services, user_id, admin_checker=checker)


def register(app: App) -> None:
    app.view("add_feed", middleware=[AdminGate(Subject.FEEDS, field="url")])(add_feed_submission)
    # No field to show an error on: a refusal turns the preview into a notice.
    app.view("add_feed_preview", middleware=[AdminGate(Subject.FEEDS)])(add_feed_preview_submission)
