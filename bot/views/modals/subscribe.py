"""Block Kit for the ``subscribe_channel`` modal and the views that follow it: the form (with
the next run times under it), "subscribing…", and the outcome. ``SubscribeForm`` reads the
submitted state; the same rules as ``/ai-brief subscribe`` check it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
)

from bot.text import escape_mrkdwn
from bot.views.modals.parts import (
    cut,
    department_element,
    initial_option,
    md,
    modal,
    notice_modal,
    options_of,
    values_of,
)
from briefings.subscriptions import MAX_TOP_N, SubscriptionView
from briefings.subscriptions.schedule import parse_schedule
from foundation.errors import BriefbotError

_CLOCK = re.compile(r"\d{2}:\d{2}")
CADENCES = (("daily", "Every day"), ("weekdays", "Weekdays (Mon–Fri)"), ("weekly", "Once a week"))
WEEKDAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
QUIET = (("post", "Post a short note"), ("skip", "Skip the briefing"))


@dataclass(frozen=True)
class SubscribeForm:
    """The ``subscribe_channel`` inputs as typed (checked by :func:`schedule_of` and the service)."""

    channel: str | None = None
    department: str | None = None
    cadence: str = "weekdays"
    weekday: str = "mon"
    time: str = "09:00"
    cron: str = ""
    timezone: str = "UTC"
    top: str = "5"
    quiet: str = "post"

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, default_timezone: str = "UTC") -> SubscribeForm:
        v = values_of(state)
        return cls(
            channel=v.get("channel") or None,
            department=v.get("department") or None,
            cadence=v.get("cadence") or "weekdays",
            weekday=v.get("weekday") or "mon",
            time=v.get("time") or "09:00",
            cron=(v.get("cron") or "").strip(),
            timezone=(v.get("timezone") or "").strip() or default_timezone,
            top=str(v.get("top") or "5").strip(),
            quiet=v.get("quiet") or "post",
        )

    @classmethod
    def of(cls, sub: SubscriptionView) -> SubscribeForm:
        """The form filled in with an existing subscription (App Home's *Edit*), so saving it
        unchanged changes nothing."""
        words = sub.schedule.split()
        cadence, weekday, time, cron = "weekdays", "mon", "09:00", ""
        if len(words) == 2 and words[0] in ("daily", "weekdays") and _CLOCK.fullmatch(words[1]):
            cadence, time = words
        elif (
            len(words) == 3
            and words[0] == "weekly"
            and words[1] in dict(WEEKDAYS)
            and _CLOCK.fullmatch(words[2])
        ):
            cadence, weekday, time = words
        else:
            cron = sub.cron  # anything else is kept exactly, as its cron expression
        return cls(
            channel=sub.channel_id,
            department=sub.department,
            cadence=cadence,
            weekday=weekday,
            time=time,
            cron=cron,
            timezone=sub.timezone,
            top=str(sub.top_n),
            quiet=sub.quiet_mode,
        )

    def schedule_text(self) -> str:
        """The schedule in ``/ai-brief subscribe`` words; the cron field wins when set."""
        if self.cron:
            return self.cron
        if self.cadence == "weekly":
            return f"weekly {self.weekday} {self.time}"
        return f"{self.cadence} {self.time}"

    def error_block(self) -> str:
        """Which input a schedule error belongs to."""
        return "cron" if self.cron else "time"


def next_runs(form: SubscribeForm, now: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` briefing times; raises ``BriefbotError`` for a bad schedule or timezone."""
    schedule = parse_schedule(form.schedule_text(), form.timezone)
    out: list[datetime] = []
    moment = now
    for _ in range(count):
        found = schedule.next_after(moment)
        if found is None:
            break
        out.append(found)
        moment = found
    return out


def _runs_text(form: SubscribeForm, now: datetime) -> str:
    try:
        runs = next_runs(form, now)
    except BriefbotError as exc:
        return f":warning: {escape_mrkdwn(cut(str(exc), 300))}"
    zone = ZoneInfo(form.timezone)
    shown = ", ".join(f"{r.astimezone(zone):%a %d %b %H:%M}" for r in runs)
    return f"Next briefings ({escape_mrkdwn(form.timezone)}): {shown or 'none scheduled'}"


def clamped_top(typed: str) -> str:
    """``top`` as a re-rendered form may show it: Slack refuses a ``number_input`` whose
    ``initial_value`` lies outside its min/max, and a form re-rendered while the user is still
    typing carries whatever they typed (``0``, ``99``, ``2.7``)."""
    try:
        value = int(float(typed))
    except (TypeError, ValueError, OverflowError):
        return SubscribeForm.top
    return str(min(max(value, 1), MAX_TOP_N))


def _select(
    block_id: str, label: str, pairs: Sequence[tuple[str, str]], chosen: str | None, **kwargs: Any
) -> InputBlock:
    """An input block holding a static_select (action_id = block_id) with ``chosen`` preselected."""
    options = options_of(pairs)
    element = StaticSelectElement(
        action_id=block_id, options=options, initial_option=initial_option(options, chosen)
    )
    return InputBlock(block_id=block_id, label=label, element=element, **kwargs)


def subscribe_modal(
    departments: Sequence[tuple[str, str]], form: SubscribeForm, now: datetime
) -> dict[str, Any]:
    """Channel, department, cadence/weekday/time or cron, timezone, top N, quiet weeks, next runs.

    Cadence, day and time dispatch their changes (``dispatch_action``) so the next run times
    under the form follow them before anything is saved.
    """
    channel = ConversationSelectElement(
        action_id="channel",
        initial_conversation=form.channel,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    top = NumberInputElement(
        action_id="top",
        is_decimal_allowed=False,
        min_value=1,
        max_value=MAX_TOP_N,
        initial_value=clamped_top(form.top),
    )
    quiet_options = options_of(QUIET)
    quiet = RadioButtonsElement(
        action_id="quiet", options=quiet_options, initial_option=initial_option(quiet_options, form.quiet)
    )
    blocks: list[Block] = [
        InputBlock(block_id="channel", label="Channel", element=channel),
        InputBlock(
            block_id="department",
            label="Department",
            element=department_element("department", departments, chosen=form.department),
        ),
        _select("cadence", "How often", CADENCES, form.cadence, dispatch_action=True),
        _select("weekday", "Day (weekly only)", WEEKDAYS, form.weekday, optional=True, dispatch_action=True),
        InputBlock(
            block_id="time",
            label="Time",
            dispatch_action=True,
            element=TimePickerElement(action_id="time", initial_time=form.time),
        ),
        InputBlock(
            block_id="cron",
            label="Cron expression (experts; wins if set)",
            optional=True,
            element=PlainTextInputElement(
                action_id="cron", initial_value=form.cron or None, placeholder="30 8 * * 1-5"
            ),
        ),
        InputBlock(
            block_id="timezone",
            label="Time zone",
            element=PlainTextInputElement(action_id="timezone", initial_value=form.timezone),
            hint="An IANA name such as Europe/Berlin; it defaults to yours.",
        ),
        InputBlock(block_id="top", label="Stories per briefing", element=top),
        InputBlock(block_id="quiet", label="In a quiet week", element=quiet),
        ContextBlock(block_id="next_runs", elements=[md(_runs_text(form, now))]),
    ]
    return modal("subscribe_channel", "Subscribe a channel", blocks, submit="Subscribe", close="Cancel")


def subscribe_saving(form: SubscribeForm, department_name: str, now: datetime) -> dict[str, Any]:
    """Shown by the ack while the subscription is stored."""
    text = (
        f":hourglass_flowing_sand: Subscribing <#{form.channel}> to the *{escape_mrkdwn(department_name)}* "
        f"briefing…\n{_runs_text(form, now)}"
    )
    return notice_modal("subscribe_channel_done", "Subscribe a channel", text)


def subscribe_done(
    sub: SubscriptionView, department_name: str, created: bool, warning: str
) -> dict[str, Any]:
    """The stored subscription, as ``/ai-brief subscribe`` confirms it."""
    verb = "Subscribed" if created else "Changed"
    quiet = "skipped" if sub.quiet_mode == "skip" else "posted as a short note"
    when = (
        sub.next_run.astimezone(ZoneInfo(sub.timezone)).strftime("%a %d %b %H:%M")
        if sub.next_run
        else "not scheduled"
    )
    text = (
        f":white_check_mark: {verb} <#{sub.channel_id}>: *{escape_mrkdwn(department_name)}* briefing, "
        f"`{escape_mrkdwn(sub.schedule)}` ({sub.timezone}), {sub.top_n} stories, quiet weeks {quiet}. "
        f"Next one: {when}.{warning}"
    )
    if sub.status == "paused":  # a change keeps a paused subscription paused
        reason = escape_mrkdwn(sub.paused_reason or "paused by an admin")
        resume = f"`/ai-brief resume {sub.department}` in <#{sub.channel_id}>"
        text += f"\nIt stays paused ({reason}): {resume} restarts it."
    return notice_modal("subscribe_channel_done", "Subscribe a channel", text)
