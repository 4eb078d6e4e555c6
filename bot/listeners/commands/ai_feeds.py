"""/ai-feeds (admins): add, list, tag, rename, remove, pause, resume, test.

The admin gate (``bot.gate``, listener middleware) refuses non-admins politely before anything runs. The
listener acks at once and hands the work to the slow-work pool (``bot.work``), answering through
``respond`` (the response URL): fetching a slow feed for ``add`` or ``test`` neither breaks
Slack's 3-second limit nor holds a listener thread other users' acks need.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.gate import AdminGate
from bot.home import publish_home
from bot.refusals import Subject
from bot.reply import send_reply
from bot.slack_text import parse_page
from bot.text import clean_url, escape_mrkdwn, is_switch, split_command
from bot.views.feeds import (
    Message,
    added_message,
    edited_message,
    error_message,
    feed_line,
    feed_list_message,
    notice_message,
    preview_message,
    usage_message,
)
from feeds.errors import FeedCheckFailed, FeedNotFound
from feeds.service import FeedService
from foundation.departments import DepartmentRegistry
from foundation.errors import BriefbotError
from storage.audit import Actor

SUBCOMMANDS = ("add", "list", "tag", "rename", "remove", "pause", "resume", "test")
CHANGES = frozenset({"add", "tag", "rename", "remove", "pause", "resume"})
_NAME_MARKERS = ("name:", "name=", "--name")


def ai_feeds_callback(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
) -> None:
    """Ack at once (usage for empty/unknown input); the work runs on the slow-work pool."""
    sub, args = split_command(command.get("text"))
    if sub not in SUBCOMMANDS:
        note = f"I don't know `{escape_mrkdwn(sub[:40])}`." if sub and sub != "help" else None
        text, blocks = usage_message(context["services"].departments, note)
        ack(text=text, blocks=blocks, response_type="ephemeral")
        return
    waiting = None
    if sub in ("add", "test") and args:
        waiting = f":hourglass_flowing_sand: Fetching {escape_mrkdwn(clean_url(args[0])[:300])} …"
    actor = Actor.slack(command.get("user_id", ""))
    feeds = context["services"].feeds
    departments = context["services"].departments

    def work() -> None:
        try:
            text, blocks = _run(sub, args, feeds, actor, departments)
        except FeedNotFound:  # its own words name the CLI's listing; in Slack, the slash command's
            text, blocks = error_message(
                f"No feed {_shown_ref(args[0] if args else '')}: `/ai-feeds list` shows every feed's id."
            )
            send_reply(respond, text, blocks, logger)
            return
        except BriefbotError as exc:
            text, blocks = error_message(str(exc))
            send_reply(respond, text, blocks, logger)
            return
        send_reply(respond, text, blocks, logger)
        if sub in CHANGES:  # the admin's App Home shows feed health: keep it current
            publish_home(client, context["services"], actor.id, admin_checker=context.get("admin_checker"))

    context["slow_work"].after_ack(ack, respond, work, user=actor.id, text=waiting, logger=logger)


def _run(
    sub: str, args: list[str], feeds: FeedService, actor: Actor, registry: DepartmentRegistry
) -> Message:
    if sub == "list":
        return feed_list_message(feeds.list(), page=parse_page(args))
    if sub == "add":
        if not args:
            return usage_message(registry, "Which feed? `/ai-feeds add <url> <dept...>`")
        force = any(is_switch(token, "force") for token in args)
        url, departments, name = parse_add_args([t for t in args if not is_switch(t, "force")])
        if not departments:
            return error_message(f"Tag the feed with at least one department: {registry.choices()}.")
        try:
            added = feeds.add(url, departments, name=name, actor=actor, check=not force)
        except FeedCheckFailed as exc:
            return error_message(
                f"{exc} Check the address (`/ai-feeds test <url>` shows what it gives), or add "
                "`--force` to store it anyway and let the refresh retry it."
            )
        return added_message(added)
    if sub == "test":
        if not args:
            return usage_message(registry, "Which feed? `/ai-feeds test <url>`")
        return preview_message(feeds.test(clean_url(args[0])))
    if not args:
        return usage_message(registry, f"Which feed? `/ai-feeds {sub} <id>` (`/ai-feeds list` shows the ids)")
    ref = args[0]
    if sub == "tag":
        departments = args[1:]  # the service splits "legal,hr" and resolves aliases
        if not departments:
            return usage_message(registry, "Which departments? `/ai-feeds tag <id> <dept...>`")
        return edited_message(feeds.edit(ref, departments=departments, actor=actor))
    if sub == "rename":
        name = " ".join(args[1:]).strip().strip('"“”')
        if not name:
            return usage_message(registry, "Which name? `/ai-feeds rename <id> <name...>`")
        return edited_message(feeds.edit(ref, name=name, actor=actor))
    if sub == "remove":
        info = feeds.remove(ref, actor=actor)
        return notice_message(f":wastebasket: Removed {feed_line(info)} and its {info.item_count} items.")
    change = feeds.pause(ref, actor=actor) if sub == "pause" else feeds.resume(ref, actor=actor)
    if not change.changed:
        state = "paused" if sub == "pause" else "active"
        return notice_message(f"{feed_line(change.feed)} is already {state}.")
    if sub == "pause":
        return notice_message(f":double_vertical_bar: Paused {feed_line(change.feed)}. Its items stay.")
    return notice_message(
        f":arrow_forward: Resumed {feed_line(change.feed)}. It is fetched at the next refresh; "
        "what it published meanwhile arrives as backlog, not as a flood."
    )


def _shown_ref(ref: str) -> str:
    """A feed reference as typed, for a reply: ``#12`` for an id, the URL otherwise."""
    ref = clean_url(ref)[:100]
    return f"#{ref.lstrip('#')}" if ref.lstrip("#").isdecimal() else escape_mrkdwn(ref)


def parse_add_args(args: list[str]) -> tuple[str, list[str], str | None]:
    """``<url> <dept...> [name: Display name]`` -> (url, departments, name).

    Every token before the name marker must be a department, so a typo is reported (by the
    service, listing the valid names) instead of silently becoming part of a name.
    """
    url = clean_url(args[0])
    departments: list[str] = []
    name_parts: list[str] = []
    rest = args[1:]
    for i, token in enumerate(rest):
        lowered = token.lower()
        marker = next((m for m in _NAME_MARKERS if lowered.startswith(m)), None)
        if marker:
            first = token[len(marker) :]
            name_parts = ([first] if first else []) + rest[i + 1 :]
            break
        departments.extend(part for part in token.split(",") if part)
    name = " ".join(name_parts).strip().strip('"“”') or None
    # Unknown names go through unchanged so the service's error lists the valid ones.
    return url, departments, name


def register(app: App) -> None:
    app.command("/ai-feeds", middleware=[AdminGate(Subject.FEEDS)])(ai_feeds_callback)
