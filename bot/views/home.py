"""Block Kit for the App Home tab: the admin dashboard, the reader's view and a minimal fallback.

Pure builders over frozen data (``AdminHome``, ``ReaderHome``): no I/O, so the block and text
budgets are testable without Slack. A Home view allows 100 blocks; long lists are cut where a
block or character budget runs out and end with a pointer to the full listing, so any number
of feeds or subscriptions renders. Everything that came from a feed, an admin or Slack is
escaped before it reaches mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.slack_text import clip, escape_mrkdwn, link
from bot.views.home_layout import md_section, view_of, when, within
from bot.views.home_sections import audit_text, gaps_text, pack_text, subscription_blocks, tuning_text
from briefings.subscriptions import SubscriptionView
from feeds.records import FeedInfo
from knowledge.service import PackStatus
from knowledge.types import CertView, GapGroup
from storage.audit import AuditView

FEED_BLOCKS = 40  # two blocks per feed (status line, buttons): twenty feeds at most
FEED_TEXT = 5500
CERTS_SHOWN = 6
# Failing feeds first: they are what an admin opens Home for.
_HEALTH_ORDER = {"failing": 0, "gone": 1, "never fetched": 2, "paused": 3, "ok": 4}
_HEALTH_ICON = {
    "ok": ":white_check_mark:",
    "failing": ":warning:",
    "never fetched": ":hourglass_flowing_sand:",
    "paused": ":double_vertical_bar:",
    "gone": ":no_entry:",
}
COMMANDS = (
    (
        "/ai-policy",
        "what the company's AI policies say",
        "/ai-policy can I paste customer data into ChatGPT?",
    ),
    ("/ai-certs", "AI certifications for a department, role or topic", "/ai-certs legal"),
    ("/ai-brief", "this channel's briefings: preview, status, subscribe", "/ai-brief now legal"),
    ("/ai-feeds", "(admins) curate the feeds briefings are built from", "/ai-feeds list"),
)


@dataclass(frozen=True)
class AdminHome:
    """What an admin's Home shows."""

    feeds: Sequence[FeedInfo]
    items_last_week: Mapping[int, int]
    subscriptions: Sequence[SubscriptionView]
    department_names: Mapping[str, str]
    packs: Sequence[PackStatus]
    audit: Sequence[AuditView]
    now: datetime
    unanswered: Sequence[GapGroup] = ()
    # Per channel: its keyword filters and what its votes taught (``describe`` lines).
    tuning: Sequence[tuple[str, Sequence[str]]] = ()


@dataclass(frozen=True)
class ReaderHome:
    """What everyone else's Home shows: briefings in their channels and how to use the bot."""

    subscriptions: Sequence[SubscriptionView]
    department_names: Mapping[str, str]
    certifications: Sequence[CertView] = field(default_factory=tuple)
    channels_unknown: bool = False  # Slack would not list the user's channels


# ---------------------------------------------------------------------------- admin


def admin_view(home: AdminHome) -> dict[str, Any]:
    """The admin dashboard: feed health, subscriptions, knowledge pack, recent changes."""
    blocks: list[Block | dict[str, Any]] = [
        HeaderBlock(text="AI briefings: admin"),
        ContextBlock(elements=[md_section(f"Updated {when(home.now)} · only admins see these controls.")]),
        ActionsBlock(
            block_id="home_buttons",
            elements=[
                ButtonElement(text="Add feed", action_id="home_add_feed", style="primary"),
                ButtonElement(text="Subscribe a channel", action_id="home_subscribe"),
            ],
        ),
        DividerBlock(),
    ]
    blocks += _feed_blocks(home)
    blocks.append(DividerBlock())
    blocks += subscription_blocks(
        home.subscriptions, home.department_names, more_hint="briefbot subscriptions list", editable=True
    )
    blocks.append(DividerBlock())
    blocks += [HeaderBlock(text="Knowledge pack"), SectionBlock(text=md_section(pack_text(home.packs)))]
    blocks += [HeaderBlock(text="Recent changes"), SectionBlock(text=md_section(audit_text(home.audit)))]
    if home.tuning:
        blocks += [
            HeaderBlock(text="Channel filters and learning"),
            SectionBlock(text=md_section(tuning_text(home.tuning))),
        ]
    blocks += [
        HeaderBlock(text="Questions we could not answer"),
        SectionBlock(text=md_section(gaps_text(home.unanswered))),
    ]
    return view_of(blocks)


def _feed_blocks(home: AdminHome) -> list[Block | dict[str, Any]]:
    feeds = sorted(home.feeds, key=lambda f: (_HEALTH_ORDER.get(f.health, 5), f.id))
    failing = sum(1 for f in feeds if f.health == "failing")
    paused = sum(1 for f in feeds if f.status == "paused")
    head = (
        f"Feeds ({len(feeds)}"
        + (f", {failing} failing" if failing else "")
        + (f", {paused} paused)" if paused else ")")
    )
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text=head)]
    if not feeds:
        blocks.append(
            SectionBlock(
                text=md_section(
                    "No feeds yet. Start with the *starter pack*: real AI news feeds from regulators "
                    "and the legal, finance, HR and operations press, each tagged for its departments "
                    "(every feed is checked before it is added). Or *Add feed* above, or "
                    "`/ai-feeds add <url> <dept...>`."
                ),
                accessory=ButtonElement(
                    text="Add the starter pack", action_id="home_starter", style="primary"
                ),
            )
        )
        return blocks
    shown, left = within(
        feeds,
        lambda f: _feed_row(f, home.items_last_week.get(f.id, 0)),
        max_blocks=FEED_BLOCKS,
        max_chars=FEED_TEXT,
    )
    blocks += shown
    if left:
        blocks.append(ContextBlock(elements=[md_section(f"…and {left} more — `/ai-feeds list 2`")]))
    return blocks


def feed_status_text(feed: FeedInfo, recent_items: int) -> str:
    """One feed's health in two or three lines."""
    name = escape_mrkdwn(clip(feed.display_name, 120))
    lines = [f"*#{feed.id} {name}* · {escape_mrkdwn(clip(', '.join(feed.departments), 300))}"]
    parts = [
        f"{_HEALTH_ICON.get(feed.health, '')} {feed.health}",
        f"last success {when(feed.last_success_at)}",
        f"{recent_items} items in 7 days",
    ]
    if feed.status == "active":
        parts.append(f"next fetch {when(feed.next_fetch_at) if feed.next_fetch_at else 'due now'}")
    lines.append(" · ".join(parts))
    if feed.error_count:
        error = escape_mrkdwn(clip(feed.last_error or "unknown error", 160))
        lines.append(f"{feed.error_count} failure(s) in a row; last: {error}")
    return "\n".join(lines)


def _feed_row(feed: FeedInfo, recent_items: int) -> list[Block]:
    value = str(feed.id)
    if feed.status == "active":
        buttons = [
            ButtonElement(text="Pause", action_id="feed_pause", value=value),
            ButtonElement(text="Refresh", action_id="feed_refresh", value=value),
        ]
    else:
        buttons = [ButtonElement(text="Resume", action_id="feed_resume", value=value, style="primary")]
    return [
        SectionBlock(block_id=f"feed_{feed.id}", text=md_section(feed_status_text(feed, recent_items))),
        ActionsBlock(block_id=f"feed_actions_{feed.id}", elements=buttons),
    ]


# ---------------------------------------------------------------------------- readers


def reader_view(home: ReaderHome) -> dict[str, Any]:
    """Briefings in the reader's channels, what each command does, certifications for them."""
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text="AI briefings")]
    if home.subscriptions:
        blocks += subscription_blocks(home.subscriptions, home.department_names, more_hint="/ai-brief status")
    else:
        why = (
            "I could not list your channels just now."
            if home.channels_unknown
            else "None of your channels gets an AI briefing yet."
        )
        blocks.append(
            SectionBlock(
                text=md_section(
                    f"{why} In a channel, `/ai-brief subscribe legal weekdays 09:00` asks for one."
                )
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text="What you can ask")]
    blocks.append(
        SectionBlock(
            text=md_section("\n".join(f"*{c}*: {what}\n`{example}`" for c, what, example in COMMANDS))
        )
    )
    if home.certifications:
        blocks += [DividerBlock(), HeaderBlock(text="Certifications for your channels' departments")]
        lines = [_cert_line(c) for c in home.certifications[:CERTS_SHOWN]]
        blocks.append(SectionBlock(text=md_section("\n".join(lines))))
    return view_of(blocks)


def _cert_line(cert: CertView) -> str:
    name = link(cert.url, cert.name) if cert.url else escape_mrkdwn(cert.name)
    return f"• {name} ({escape_mrkdwn(cert.provider)}, {cert.level})"


def minimal_view(note: str) -> dict[str, Any]:
    """What Home shows when the full view could not be built or was refused by Slack."""
    return view_of(
        [
            HeaderBlock(text="AI briefings"),
            SectionBlock(text=md_section(escape_mrkdwn(note))),
            SectionBlock(text=md_section("\n".join(f"`{example}`" for _c, _w, example in COMMANDS))),
        ]
    )
