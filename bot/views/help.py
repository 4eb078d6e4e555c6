"""Usage help for every slash command."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from briefings.subscriptions import MAX_TOP_N

COMMANDS: list[tuple[str, str]] = [
    (
        "/ai-brief",
        "`help` · `now [dept]` (private preview) · "
        "`subscribe <dept> [schedule] [timezone] [--top N] [--quiet post|skip]` (this channel) · "
        "`unsubscribe [dept]` · `status`\nSchedules: `daily 09:00`, `weekdays 08:30`, "
        "`weekly mon 09:00`, or a cron expression such as `30 8 * * 1-5`. "
        f"`--top`: stories per briefing (1-{MAX_TOP_N}); `--quiet skip`: nothing posted in a quiet week.",
    ),
    ("/ai-policy <question>", "Find the company AI policy section that answers your question."),
    (
        "/ai-certs [dept|role|topic] [level]",
        "Recommended AI certifications, e.g. `/ai-certs legal`, `/ai-certs cfo advanced`.",
    ),
    (
        "/ai-feeds (admins)",
        "`add <url> <dept...>` · `list` · `tag <id> <dept...>` · `rename <id> <name...>` · "
        "`remove <id>` · `pause <id>` · `resume <id>` · `test <url>`",
    ),
]

DEPARTMENTS_LINE = "Departments: `finance`, `legal`, `operations` (`ops`), `hr` (`people`)."


def help_text() -> str:
    """Plain-text fallback of the help message."""
    lines = ["AI briefings bot: commands"]
    lines += [f"{name}: {what}" for name, what in COMMANDS]
    return "\n".join(lines)


def help_blocks(*, note: str | None = None) -> list[dict]:
    """The help message; ``note`` explains why help is shown (e.g. an unknown subcommand)."""
    blocks: list = [HeaderBlock(text="AI briefings: how to use me")]
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=note)))
    for name, what in COMMANDS:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{name}*\n{what}")))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=DEPARTMENTS_LINE)]))
    return [b.to_dict() for b in blocks]
