"""Usage help for every slash command."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.slack_text import CONTEXT_LIMIT, escape_mrkdwn
from briefings.subscriptions import MAX_TOP_N
from foundation.departments import DepartmentRegistry

COMMANDS: list[tuple[str, str]] = [
    (
        "/ai-brief",
        "`help` · `now [dept] [--include-backlog]` (private preview) · "
        "`subscribe <dept> [schedule] [timezone] [--top N] [--quiet post|skip]` (this channel) · "
        "`unsubscribe [dept]` · `pause [dept]` · `resume [dept]` · `status`\n"
        "A change to a subscription changes only what you give: the rest (time zone included) stays.\n"
        "Schedules: `daily 09:00`, `weekdays 08:30`, "
        "`weekly mon 09:00`, or a cron expression such as `30 8 * * 1-5`. "
        f"`--top`: stories per briefing (1-{MAX_TOP_N}); `--quiet skip`: nothing posted in a quiet week.\n"
        "Filters: `mute <phrase>` drops stories with it from this channel's briefings, "
        "`boost <phrase>` ranks them higher; `unmute` / `unboost <phrase>`; `filters` lists them "
        "and what the :thumbsup: / :thumbsdown: buttons under each story taught this channel.",
    ),
    ("/ai-policy <question>", "Find the company AI policy section that answers your question."),
    (
        "/ai-certs [dept|role|topic] [level]",
        "Recommended AI certifications, e.g. `/ai-certs legal`, `/ai-certs cfo advanced`.",
    ),
    (
        "/ai-feeds (admins)",
        "`add <url> <dept...> [--force]` · `list` · `tag <id> <dept...>` · `rename <id> <name...>` · "
        "`remove <id>` · `pause <id>` · `resume <id>` · `test <url>`",
    ),
]


def departments_line(departments: DepartmentRegistry, *, limit: int = CONTEXT_LIMIT) -> str:
    """``Departments: `finance` (`fin`), ...``: from the registry, so custom aliases show too.

    With many custom departments the line would pass a text object's 3,000 characters: it stops
    at ``limit`` and says how many more there are.
    """
    parts: list[str] = []
    used = len("Departments: ")
    total = len(departments)
    for shown, dept in enumerate(departments):
        alias = next((a for a in dept.aliases if a != dept.key), None)
        part = escape_mrkdwn(f"`{dept.key}` (`{alias}`)" if alias else f"`{dept.key}`")
        rest = f", …and {total - shown} more."
        if used + len(part) + 2 + len(rest) > limit and shown < total - 1:
            return "Departments: " + ", ".join(parts) + rest
        parts.append(part)
        used += len(part) + 2
    return "Departments: " + ", ".join(parts) + "."


def help_text() -> str:
    """Plain-text fallback of the help message."""
    lines = ["AI briefings bot: commands"]
    lines += [f"{name}: {what}" for name, what in COMMANDS]
    return "\n".join(lines)


def help_blocks(departments: DepartmentRegistry, *, note: str | None = None) -> list[dict[str, Any]]:
    """The help message; ``note`` explains why help is shown (e.g. an unknown subcommand)."""
    blocks: list[Any] = [HeaderBlock(text="AI briefings: how to use me")]
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=note)))
    for name, what in COMMANDS:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{name}*\n{what}")))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=departments_line(departments))]))
    return [b.to_dict() for b in blocks]
