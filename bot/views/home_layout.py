"""The budgets of an App Home view and the helpers that keep a view within them: Slack allows
100 blocks and documents no total size, so the message budget (~13k characters) is used; long
lists are cut where a block or character budget runs out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, MarkdownTextObject

from bot.slack_text import md

MAX_BLOCKS = 100
# Slack documents no total-size cap for views; the one reported for messages (~13k characters)
# is the budget here too, so a view never fails for size.
TEXT_BUDGET = 11000
SECTION_MAX = 2900
T = TypeVar("T")


def md_section(text: str) -> MarkdownTextObject:
    """A section's mrkdwn text, cut to Slack's section limit."""
    return md(text, SECTION_MAX)


def when(moment: datetime | None, tz: str = "UTC") -> str:
    """``Mon 3 Feb 09:00 CET`` in ``tz``, or ``never``."""
    if moment is None:
        return "never"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"


def view_of(blocks: Sequence[Block | dict[str, Any]]) -> dict[str, Any]:
    """A Home view of ``blocks``, never past Slack's block limit."""
    rendered = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
    return {"type": "home", "blocks": rendered[:MAX_BLOCKS]}


def _chars(block: dict[str, Any]) -> int:
    """The characters of text a block shows (what the size budgets count)."""
    texts = [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]
    return sum(len(t.get("text", "")) if isinstance(t, dict) else 0 for t in texts)


def within(
    rows: Sequence[T], render: Callable[[T], list[Block]], *, max_blocks: int, max_chars: int
) -> tuple[list[dict[str, Any]], int]:
    """Render rows in order until a budget would be exceeded; returns the blocks and rows left out."""
    blocks: list[dict[str, Any]] = []
    chars = 0
    for shown, row in enumerate(rows):
        rendered = [b.to_dict() for b in render(row)]
        size = sum(_chars(b) for b in rendered)
        if len(blocks) + len(rendered) > max_blocks or chars + size > max_chars:
            return blocks, len(rows) - shown
        blocks.extend(rendered)
        chars += size
    return blocks, 0
