"""Block Kit for the App Home tab: the admin dashboard, the reader's view and a minimal fallback.

Pure builders over frozen data (``AdminHome``, ``ReaderHome``): no I/O, so the block and text
budgets are testable without Slack. A Home view allows 100 blocks; long lists are cut where a
block or character budget runs out and end with a pointer to the full listing, so any number
of feeds or subscriptions renders. Everything that came from a feed, an admin or Slack is
escaped before it reaches mrkdwn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.slack_text import clip, escape_mrkdwn, link, md
from briefings.subscriptions import SubscriptionView
from feeds.records import FeedInfo
from knowledge.service import PackStatus
from knowledge.types import CertView, GapGroup
from storage.audit import AuditView

MAX_BLOCKS = 100
# Slack documents no total-size cap for views; the one reported for messages (~13k characters)
# is the budget here too, so a view never fails for size.
TEXT_BUDGET = 11000
FEED_BLOCKS = 40  # two blocks per feed (status line, buttons): twenty feeds at most
FEED_TEXT = 5500
CHANNEL_BLOCKS = 15
SUBSCRIPTION_TEXT = 3500
GAP_ROWS = 8  # the most-asked unanswered questions shown on Home
TUNING_ROWS = 10  # channels whose filters and learned preferences Home lists
AUDIT_ROWS = 8
CERTS_SHOWN = 6
SECTION_MAX = 2900
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
T = TypeVar("T")


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


def _md(text: str) -> MarkdownTextObject:
    return md(text, SECTION_MAX)


def _when(moment: datetime | None, tz: str = "UTC") -> str:
    if moment is None:
        return "never"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"


def _view(blocks: Sequence[Block | dict[str, Any]]) -> dict[str, Any]:
    rendered = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
    return {"type": "home", "blocks": rendered[:MAX_BLOCKS]}


def _chars(block: dict[str, Any]) -> int:
    """The characters of text a block shows (what the size budgets count)."""
    texts = [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]
    return sum(len(t.get("text", "")) if isinstance(t, dict) else 0 for t in texts)


def _within(
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


# ---------------------------------------------------------------------------- admin


def admin_view(home: AdminHome) -> dict[str, Any]:
    """The admin dashboard: feed health, subscriptions, knowledge pack, recent changes."""
    blocks: list[Block | dict[str, Any]] = [
        HeaderBlock(text="AI briefings: admin"),
        ContextBlock(elements=[_md(f"Updated {_when(home.now)} · only admins see these controls.")]),
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
    blocks += _subscription_blocks(
        home.subscriptions, home.department_names, more_hint="briefbot subscriptions list", editable=True
    )
    blocks.append(DividerBlock())
    blocks += [HeaderBlock(text="Knowledge pack"), SectionBlock(text=_md(pack_text(home.packs)))]
    blocks += [HeaderBlock(text="Recent changes"), SectionBlock(text=_md(audit_text(home.audit)))]
    if home.tuning:
        blocks += [
            HeaderBlock(text="Channel filters and learning"),
            SectionBlock(text=_md(tuning_text(home.tuning))),
        ]
    blocks += [
        HeaderBlock(text="Questions we could not answer"),
        SectionBlock(text=_md(gaps_text(home.unanswered))),
    ]
    return _view(blocks)


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
                text=_md(
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
    shown, left = _within(
        feeds,
        lambda f: _feed_row(f, home.items_last_week.get(f.id, 0)),
        max_blocks=FEED_BLOCKS,
        max_chars=FEED_TEXT,
    )
    blocks += shown
    if left:
        blocks.append(ContextBlock(elements=[_md(f"…and {left} more — `/ai-feeds list 2`")]))
    return blocks


def feed_status_text(feed: FeedInfo, recent_items: int) -> str:
    """One feed's health in two or three lines."""
    name = escape_mrkdwn(clip(feed.display_name, 120))
    lines = [f"*#{feed.id} {name}* · {escape_mrkdwn(clip(', '.join(feed.departments), 300))}"]
    parts = [
        f"{_HEALTH_ICON.get(feed.health, '')} {feed.health}",
        f"last success {_when(feed.last_success_at)}",
        f"{recent_items} items in 7 days",
    ]
    if feed.status == "active":
        parts.append(f"next fetch {_when(feed.next_fetch_at) if feed.next_fetch_at else 'due now'}")
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
        SectionBlock(block_id=f"feed_{feed.id}", text=_md(feed_status_text(feed, recent_items))),
        ActionsBlock(block_id=f"feed_actions_{feed.id}", elements=buttons),
    ]


def subscription_line(sub: SubscriptionView, department_names: Mapping[str, str]) -> str:
    """``• *Legal* · weekdays 09:00 (Europe/Berlin) · 5 stories · ...``."""
    name = escape_mrkdwn(department_names.get(sub.department, sub.department))
    quiet = "quiet weeks skipped" if sub.quiet_mode == "skip" else "quiet weeks posted"
    parts = [f"*{name}*", f"`{escape_mrkdwn(sub.schedule)}` ({sub.timezone})", f"top {sub.top_n}", quiet]
    if sub.status == "paused":
        parts.append(f"*paused*: {escape_mrkdwn(clip(sub.paused_reason or 'by an admin', 200))}")
    elif sub.status == "manual":
        parts.append("sent on demand only")
    else:
        parts.append(f"next {_when(sub.next_run, sub.timezone)}")
    last = f"last delivery {_when(sub.last_sent_at, sub.timezone)}"
    parts.append(link(sub.last_permalink, last) if sub.last_permalink else last)
    return "• " + " · ".join(parts)


def _subscription_blocks(
    subs: Sequence[SubscriptionView],
    department_names: Mapping[str, str],
    *,
    more_hint: str,
    editable: bool = False,
) -> list[Block | dict[str, Any]]:
    by_channel: dict[str, list[SubscriptionView]] = {}
    for sub in subs:
        by_channel.setdefault(sub.channel_id, []).append(sub)
    blocks: list[Block | dict[str, Any]] = [
        HeaderBlock(text=f"Subscriptions ({len(subs)} in {len(by_channel)} channels)")
    ]
    if not subs:
        blocks.append(SectionBlock(text=_md("No channel gets a briefing yet: *Subscribe a channel* above.")))
        return blocks

    def render(item: tuple[str, list[SubscriptionView]]) -> list[Block]:
        channel, rows = item
        lines = [f"<#{channel}>", *(subscription_line(s, department_names) for s in rows)]
        edit = _edit_control(rows, department_names) if editable else None
        return [SectionBlock(text=_md("\n".join(lines)), accessory=edit)]

    # Channels with a paused subscription first: those need an admin.
    channels = sorted(
        by_channel.items(), key=lambda kv: (not any(s.status == "paused" for s in kv[1]), kv[0])
    )
    shown, left = _within(channels, render, max_blocks=CHANNEL_BLOCKS, max_chars=SUBSCRIPTION_TEXT)
    blocks += shown
    if left:
        blocks.append(ContextBlock(elements=[_md(f"…and {left} more channels — `{more_hint}`")]))
    return blocks


def _edit_control(
    rows: Sequence[SubscriptionView], department_names: Mapping[str, str]
) -> ButtonElement | OverflowMenuElement:
    """*Edit* opens the subscribe form filled in with the subscription (one menu entry each when
    the channel gets several departments' briefings)."""
    if len(rows) == 1:
        return ButtonElement(text="Edit", action_id="home_edit_subscription", value=str(rows[0].id))
    options = [
        Option(text=clip(f"Edit {department_names.get(s.department, s.department)}", 75), value=str(s.id))
        for s in rows[:5]  # an overflow menu holds at most five options
    ]
    return OverflowMenuElement(action_id="home_edit_subscription", options=options)


def pack_text(packs: Sequence[PackStatus]) -> str:
    """How many policies and certifications are loaded, when and by whom."""
    lines = []
    for pack in packs:
        label = "Policies" if pack.kind == "policies" else "Certifications"
        if not pack.items:
            lines.append(f"*{label}*: none loaded")
            continue
        when = pack.loaded_at[:16].replace("T", " ") + " UTC" if pack.loaded_at else "at start-up"
        who = _actor(pack.loaded_by or "", "slack" if (pack.loaded_by or "").startswith("U") else "")
        source = f" from {escape_mrkdwn(clip(pack.source, 80))}" if pack.source else ""
        line = f"*{label}*: {pack.items}, imported {when} by {who}{source}"
        if pack.problem:
            line += f"\n:warning: {escape_mrkdwn(clip(pack.problem, 200))}"
        lines.append(line)
    return "\n".join(lines) or "No knowledge pack loaded."


def _actor(actor_id: str, source: str) -> str:
    if not actor_id:
        return "the bot"
    return f"<@{actor_id}>" if source == "slack" else escape_mrkdwn(clip(actor_id, 40))


def audit_text(entries: Sequence[AuditView]) -> str:
    """The newest audit entries, one line each."""
    if not entries:
        return "Nothing changed yet."
    lines = []
    for entry in entries[:AUDIT_ROWS]:
        target = f" {escape_mrkdwn(clip(entry.target, 80))}" if entry.target else ""
        lines.append(
            f"`{entry.at:%Y-%m-%d %H:%M}` {_actor(entry.actor, entry.source)} {entry.action}{target}"
        )
    return "\n".join(lines)


def tuning_text(tuning: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Each tuned channel: its mutes, boosts and learned preferences (escaped)."""
    return "\n".join(
        f"<#{channel}>: " + " · ".join(escape_mrkdwn(clip(line, 160)) for line in lines)
        for channel, lines in tuning[:TUNING_ROWS]
    )


def gaps_text(groups: Sequence[GapGroup]) -> str:
    """The week's unanswered questions, most asked first, for the policy owners to close."""
    if not groups:
        return "None this week: every /ai-policy question found its answer."
    lines = []
    for group in groups[:GAP_ROWS]:
        kind = "related section only" if group.verdict == "related" else "no policy"
        asked = f"asked {group.count}×" if group.count > 1 else "asked once"
        lines.append(f"• “{escape_mrkdwn(clip(group.example, 150))}” · {asked} · {kind}")
    if len(groups) > GAP_ROWS:
        lines.append(f"…and {len(groups) - GAP_ROWS} more: `briefbot knowledge gaps`")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- readers


def reader_view(home: ReaderHome) -> dict[str, Any]:
    """Briefings in the reader's channels, what each command does, certifications for them."""
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text="AI briefings")]
    if home.subscriptions:
        blocks += _subscription_blocks(
            home.subscriptions, home.department_names, more_hint="/ai-brief status"
        )
    else:
        why = (
            "I could not list your channels just now."
            if home.channels_unknown
            else "None of your channels gets an AI briefing yet."
        )
        blocks.append(
            SectionBlock(
                text=_md(f"{why} In a channel, `/ai-brief subscribe legal weekdays 09:00` asks for one.")
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text="What you can ask")]
    blocks.append(
        SectionBlock(text=_md("\n".join(f"*{c}*: {what}\n`{example}`" for c, what, example in COMMANDS)))
    )
    if home.certifications:
        blocks += [DividerBlock(), HeaderBlock(text="Certifications for your channels' departments")]
        lines = [_cert_line(c) for c in home.certifications[:CERTS_SHOWN]]
        blocks.append(SectionBlock(text=_md("\n".join(lines))))
    return _view(blocks)


def _cert_line(cert: CertView) -> str:
    name = link(cert.url, cert.name) if cert.url else escape_mrkdwn(cert.name)
    return f"• {name} ({escape_mrkdwn(cert.provider)}, {cert.level})"


def minimal_view(note: str) -> dict[str, Any]:
    """What Home shows when the full view could not be built or was refused by Slack."""
    return _view(
        [
            HeaderBlock(text="AI briefings"),
            SectionBlock(text=_md(escape_mrkdwn(note))),
            SectionBlock(text=_md("\n".join(f"`{example}`" for _c, _w, example in COMMANDS))),
        ]
    )
