"""The sections of App Home that both views, or the admin's alone, show as text: subscriptions
per channel (with *Edit* for admins), the knowledge pack, recent changes, channel tuning and
the week's unanswered questions. Everything that came from a feed, an admin or Slack is escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.slack_text import clip, escape_mrkdwn, link
from bot.views.home_layout import md_section, when, within
from briefings.subscriptions import SubscriptionView
from knowledge.service import PackStatus
from knowledge.types import GapGroup
from storage.audit import AuditView

CHANNEL_BLOCKS = 15
SUBSCRIPTION_TEXT = 3500
GAP_ROWS = 8  # the most-asked unanswered questions shown on Home
TUNING_ROWS = 10  # channels whose filters and learned preferences Home lists
AUDIT_ROWS = 8


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
        parts.append(f"next {when(sub.next_run, sub.timezone)}")
    last = f"last delivery {when(sub.last_sent_at, sub.timezone)}"
    parts.append(link(sub.last_permalink, last) if sub.last_permalink else last)
    return "• " + " · ".join(parts)


def subscription_blocks(
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
        blocks.append(
            SectionBlock(text=md_section("No channel gets a briefing yet: *Subscribe a channel* above."))
        )
        return blocks

    def render(item: tuple[str, list[SubscriptionView]]) -> list[Block]:
        channel, rows = item
        lines = [f"<#{channel}>", *(subscription_line(s, department_names) for s in rows)]
        edit = _edit_control(rows, department_names) if editable else None
        return [SectionBlock(text=md_section("\n".join(lines)), accessory=edit)]

    # Channels with a paused subscription first: those need an admin.
    channels = sorted(
        by_channel.items(), key=lambda kv: (not any(s.status == "paused" for s in kv[1]), kv[0])
    )
    shown, left = within(channels, render, max_blocks=CHANNEL_BLOCKS, max_chars=SUBSCRIPTION_TEXT)
    blocks += shown
    if left:
        blocks.append(ContextBlock(elements=[md_section(f"…and {left} more channels — `{more_hint}`")]))
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
