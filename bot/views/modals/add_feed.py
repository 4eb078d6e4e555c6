"""Block Kit for the ``add_feed`` modal and the views that follow it (checking, preview, failed,
done). The draft the next step needs travels in the view's ``private_metadata``, so any replica
can handle the next submission.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)

from bot.slack_text import link
from bot.text import escape_mrkdwn
from bot.views.modals.parts import cut, department_element, md, modal
from briefings.assembly.preview import PreviewPick
from feeds.records import AddResult, FeedPreview

# Slack: private_metadata "Maximum length of 3000 characters".
PRIVATE_METADATA_MAX = 3000
# The name input's max_length (the feeds table's name column).
FEED_NAME_MAX = 255
_DRAFT_FORMAT = "d1"


@dataclass(frozen=True)
class FeedDraft:
    """What the admin typed in ``add_feed``, carried through the preview."""

    url: str
    departments: tuple[str, ...]
    name: str | None

    def metadata(self) -> str:
        """The draft as ``private_metadata``: lines, not JSON, so nothing is escaped.

        ``json.dumps`` wrote a non-ASCII name six times over (``\\u65b0``): a 2,000-character URL
        and a 255-character name in Chinese passed Slack's 3,000. Here the URL (at most 2,048
        characters, no line breaks) and the name (at most 255) travel as typed, so the draft
        fits whatever they hold; only a long list of departments can outgrow it
        (:meth:`fits` says so before anything is sent).
        """
        departments = json.dumps(list(self.departments), ensure_ascii=False, separators=(",", ":"))
        return "\n".join((_DRAFT_FORMAT, self.url, departments, self.name or ""))

    def fits(self) -> bool:
        """Whether :meth:`metadata` is within Slack's ``private_metadata`` limit."""
        return len(self.metadata()) <= PRIVATE_METADATA_MAX

    @classmethod
    def from_metadata(cls, text: str) -> FeedDraft:
        """The draft back from :meth:`metadata` (or from the JSON a modal opened before carried)."""
        if (text or "").startswith(_DRAFT_FORMAT + "\n"):
            _format, url, departments, name = [*text.split("\n", 3), "", "", ""][:4]
            try:
                keys = json.loads(departments or "[]")
            except ValueError:
                keys = []
            return cls(url, tuple(str(k) for k in keys if isinstance(k, str)), name or None)
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return cls(str(data.get("url", "")), tuple(data.get("departments") or ()), data.get("name") or None)


def add_feed_modal(departments: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The first step: URL, departments (from the registry) and an optional name."""
    blocks: list[Block] = [
        InputBlock(
            block_id="url",
            label="Feed URL",
            element=PlainTextInputElement(action_id="url", placeholder="https://example.com/feed.xml"),
            hint="RSS or Atom. I fetch it once and show a preview before anything is saved.",
        ),
        InputBlock(
            block_id="departments",
            label="Departments",
            element=department_element("departments", departments, multi=True, placeholder="Who is it for?"),
        ),
        InputBlock(
            block_id="name",
            label="Name",
            optional=True,
            element=PlainTextInputElement(
                action_id="name", max_length=FEED_NAME_MAX, placeholder="Defaults to the feed's title"
            ),
        ),
    ]
    return modal("add_feed", "Add a feed", blocks, submit="Preview", close="Cancel")


def _draft_context(draft: FeedDraft) -> ContextBlock:
    name = f" · named *{escape_mrkdwn(cut(draft.name, 100))}*" if draft.name else ""
    departments = escape_mrkdwn(cut(", ".join(draft.departments), 500))
    return ContextBlock(elements=[md(f"{link(draft.url)} · for {departments}{name}")])


def add_feed_checking(draft: FeedDraft) -> dict[str, Any]:
    """Shown by the ack while the first fetch runs."""
    blocks: list[Block] = [
        SectionBlock(text=md(":hourglass_flowing_sand: Checking the feed… this takes a few seconds.")),
        _draft_context(draft),
    ]
    return modal("add_feed_preview", "Add a feed", blocks, close="Cancel", private_metadata=draft.metadata())


def add_feed_preview(draft: FeedDraft, preview: FeedPreview, picks: Sequence[PreviewPick]) -> dict[str, Any]:
    """What the feed would give: its title, how many items, the three it would rank highest."""
    title = escape_mrkdwn(cut(preview.title or "(untitled feed)", 140))
    lines = [f"*{title}*: {preview.item_count} items"]
    if preview.discovered_from:
        lines.append(f"Found this feed on {link(preview.discovered_from)}; it is the one saved.")
    if preview.already_added_as:
        lines.append(f":information_source: Already curated as feed #{preview.already_added_as}.")
    if preview.warning:
        lines.append(f"Parser warning: {escape_mrkdwn(cut(preview.warning, 300))}")
    blocks: list[Block] = [SectionBlock(text=md("\n".join(lines))), _draft_context(draft), DividerBlock()]
    if picks:
        blocks.append(SectionBlock(text=md("*What it would rank highest*")))
        for pick in picks[:3]:
            label = link(pick.url, pick.title) if pick.url else escape_mrkdwn(cut(pick.title, 250))
            why = escape_mrkdwn(cut(pick.why, 400)) or "matches this department's interests"
            department = escape_mrkdwn(cut(pick.department, 100))
            blocks.append(SectionBlock(text=md(f"*{label}*\n_{department}_: {why}")))
    else:
        blocks.append(
            SectionBlock(
                text=md("None of its current items match the chosen departments' interests strongly.")
            )
        )
    return modal(
        "add_feed_preview",
        "Add a feed",
        blocks,
        submit="Save feed",
        close="Cancel",
        private_metadata=draft.metadata(),
    )


def add_feed_failed(draft: FeedDraft, error: str, *, can_save: bool) -> dict[str, Any]:
    """A failed first fetch: why, and (unless the URL is refused) the option to save anyway."""
    blocks: list[Block] = [
        SectionBlock(text=md(f":warning: {escape_mrkdwn(cut(error, 500))}")),
        _draft_context(draft),
    ]
    if can_save:
        blocks.append(
            ContextBlock(
                elements=[
                    md("You can save it anyway: it is retried at every refresh and Home shows its health.")
                ]
            )
        )
        return modal(
            "add_feed_preview",
            "Add a feed",
            blocks,
            submit="Save anyway",
            close="Cancel",
            private_metadata=draft.metadata(),
        )
    return modal("add_feed_preview", "Add a feed", blocks, close="Close", private_metadata=draft.metadata())


def add_feed_done(result: AddResult) -> dict[str, Any]:
    """After saving: the feed and how its first fetch went."""
    feed = result.feed
    lines = [
        f":white_check_mark: Added *#{feed.id} {escape_mrkdwn(cut(feed.display_name, 150))}*"
        f" · {escape_mrkdwn(cut(', '.join(feed.departments), 500))}"
    ]
    first = result.first_fetch
    if first is not None and first.outcome in ("failed", "rate_limited", "gone"):
        lines.append(
            f":warning: The first fetch failed: {escape_mrkdwn(cut(first.error or '', 300))}. It is retried."
        )
    elif first is not None:
        lines.append(
            f"Imported {first.backlog} current items as backlog: ranking uses them, none is posted as news."
        )
    return modal("add_feed_done", "Add a feed", [SectionBlock(text=md("\n".join(lines)))], close="Done")
