"""Block Kit for ``/ai-feeds``: usage, feed list with health, add/edit/remove/pause results, previews.

Everything that came from a feed or an admin is escaped (``escape_mrkdwn``) before it reaches
mrkdwn, so a feed title such as ``<!channel>`` is shown, never executed. Each builder returns
``(text, blocks)``: the fallback text and the block dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ContextBlock, DividerBlock, HeaderBlock, SectionBlock

from bot.slack_text import HEADER_LIMIT, clip, escape_mrkdwn, escaped, fit_blocks, link, page_hint, paginate
from bot.slack_text import md as _md
from bot.views.help import departments_line
from feeds.records import AddResult, FeedEdit, FeedInfo, FeedPreview
from foundation.departments import DepartmentRegistry

Message = tuple[str, list[dict[str, Any]]]

# Feeds per page of ``/ai-feeds list``; the text budget may make a page shorter.
PER_PAGE = 20
USAGE_LINES = (
    "`/ai-feeds add <url> <dept...> [name: Display name]` add a feed for one or more departments",
    "`/ai-feeds list [page]` all feeds with their health",
    "`/ai-feeds tag <id> <dept...>` replace a feed's departments · `/ai-feeds rename <id> <name...>`",
    "`/ai-feeds pause <id>` · `/ai-feeds resume <id>` · `/ai-feeds remove <id>`",
    "`/ai-feeds test <url>` preview a feed without saving it",
)
_HEALTH_ICON = {
    "ok": ":white_check_mark:",
    "failing": ":warning:",
    "never fetched": ":hourglass_flowing_sand:",
    "paused": ":double_vertical_bar:",
    "gone": ":no_entry:",
}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def usage_message(departments: DepartmentRegistry, note: str | None = None) -> Message:
    """Usage help, optionally preceded by why it is shown."""
    lines = [note] if note else []
    lines += ["*/ai-feeds* (admins): curate the feeds briefings are built from.", *USAGE_LINES]
    text = "\n".join(lines)
    blocks = [SectionBlock(text=_md(text)), ContextBlock(elements=[_md(departments_line(departments))])]
    return text, [b.to_dict() for b in blocks]


def error_message(message: str) -> Message:
    """A user-facing error, escaped."""
    text = f":warning: {escape_mrkdwn(message)}"
    return text, [SectionBlock(text=_md(text)).to_dict()]


def notice_message(text: str) -> Message:
    """A one-line confirmation (``text`` is already mrkdwn-safe)."""
    return text, [SectionBlock(text=_md(text)).to_dict()]


def feed_line(feed: FeedInfo) -> str:
    """``#3 Name`` with its departments (escaped)."""
    return f"*#{feed.id} {escaped(feed.display_name, 150)}* · {escaped(', '.join(feed.departments), 300)}"


def health_line(feed: FeedInfo) -> str:
    """Health in one or two lines: status, items, last success, next fetch (or errors and next try)."""
    icon = _HEALTH_ICON.get(feed.health, "")
    parts = [
        f"{icon} {feed.health}",
        f"{feed.item_count} items",
        f"last success {_when(feed.last_success_at)}",
    ]
    if feed.status == "active" and not feed.error_count:
        parts.append(f"next fetch {_when(feed.next_fetch_at) if feed.next_fetch_at else 'due now'}")
    lines = [" · ".join(parts)]
    if feed.error_count:
        lines.append(
            f"{feed.error_count} error(s) in a row, last {_when(feed.last_error_at)}: "
            f"{escaped(feed.last_error or '', 300)} · next try {_when(feed.next_fetch_at)}"
        )
    elif feed.status == "gone" and feed.last_error:
        lines.append(escaped(feed.last_error, 300))
    if feed.last_warning:
        lines.append(f"parser warning: {escaped(feed.last_warning, 200)}")
    return "\n".join(lines)


def feed_list_message(feeds: list[FeedInfo], *, page: int = 1) -> Message:
    """One page of feeds with their health, sized to fit Slack's limits (the CLI lists all)."""
    if not feeds:
        text = "No feeds yet. Add one with `/ai-feeds add <url> <dept...>`."
        return notice_message(text)
    failing = sum(1 for f in feeds if f.health == "failing")
    summary = f"{len(feeds)} feeds" + (
        f", {failing} failing" if failing else ", all healthy" if all(f.health == "ok" for f in feeds) else ""
    )
    entries = [f"{feed_line(feed)}\n{health_line(feed)}\n{link(feed.url)}" for feed in feeds]
    shown = paginate([len(e) for e in entries], page, per_page=PER_PAGE)
    hint = page_hint(shown, "/ai-feeds list")
    blocks: list[Any] = [HeaderBlock(text=clip(f"Curated feeds ({summary})", HEADER_LIMIT))]
    blocks += [SectionBlock(text=_md(entry)) for entry in entries[shown.start : shown.stop]]
    blocks.append(ContextBlock(elements=[_md(hint or "`/ai-feeds pause|resume|remove <id>` changes one.")]))
    lines = [f"Curated feeds ({summary})" + (f", {hint}" if hint else "")]
    lines += [f"#{f.id} {escaped(f.display_name, 150)}: {f.health}" for f in feeds[shown.start : shown.stop]]
    return "\n".join(lines), fit_blocks(blocks)


def added_message(result: AddResult) -> Message:
    """The confirmation of ``add``, with how the first fetch went."""
    feed = result.feed
    lines = [f":white_check_mark: Added {feed_line(feed)}", link(feed.url)]
    if result.discovered_from:
        lines.append(f"Found this feed on {link(result.discovered_from)}.")
    first = result.first_fetch
    if first is None:
        lines.append("It will be fetched at the next refresh.")
    elif first.outcome in ("failed", "rate_limited", "gone"):
        lines.append(
            f":warning: The first fetch failed: {escaped(first.error or '', 500)}. "
            "The feed is kept and will be retried; `/ai-feeds list` shows its health."
        )
    else:
        lines.append(
            f"Imported {first.backlog} current items as backlog: they inform ranking but are not "
            "posted as news, so adding a feed never floods a briefing."
        )
        if first.warning:
            lines.append(f"Parser warning: {escaped(first.warning, 300)}")
    text = "\n".join(lines)
    return text, [SectionBlock(text=_md(text)).to_dict()]


def edited_message(edit: FeedEdit) -> Message:
    """The confirmation of ``tag`` or ``rename``: what changed, old -> new."""
    feed = edit.feed
    if not edit.changed:
        return notice_message(f"{feed_line(feed)} already looks like that: nothing changed.")
    lines = []
    if edit.departments_changed:
        lines.append(
            f":label: Re-tagged {feed_line(feed)} (was {escaped(', '.join(edit.old_departments), 300)}). "
            "Its stored items count for the new departments from the next briefing."
        )
    if edit.name_changed:
        old = escaped(edit.old_name or "(no name)", 150)
        lines.append(f":pencil2: Renamed {feed_line(feed)} (was {old}).")
    return notice_message("\n".join(lines))


def preview_message(preview: FeedPreview) -> Message:
    """``test <url>``: the feed's title and first items, nothing saved."""
    title = escaped(preview.title or "(untitled feed)", 140)
    head = f"*{title}*: {preview.item_count} items · {link(preview.final_url)}"
    if preview.final_url != preview.url:
        head += "\n(redirects permanently from the URL given)"
    if preview.already_added_as:
        head += f"\nAlready curated as feed #{preview.already_added_as}."
    blocks: list[Any] = [SectionBlock(text=_md(f":mag: Preview (nothing saved)\n{head}")), DividerBlock()]
    for item in preview.items:
        when = item.published_at.strftime("%Y-%m-%d") if item.dated else "undated"
        label = escaped(item.title, 250)
        title_md = link(item.link, item.title[:250]) if item.link else label
        summary = escaped(item.summary, 280)
        blocks.append(SectionBlock(text=_md(f"*{title_md}* · {when}\n{summary}")))
    if not preview.items:
        blocks.append(SectionBlock(text=_md("The feed is valid but has no items right now.")))
    if preview.warning:
        blocks.append(ContextBlock(elements=[_md(f"Parser warning: {escaped(preview.warning, 300)}")]))
    shown = escaped(preview.title or preview.final_url, 150)
    text = f"Preview of {shown}: {preview.item_count} items (nothing saved)"
    return text, [b.to_dict() for b in blocks]
