"""Block Kit for the ``add_feed`` and ``subscribe_channel`` modals and the views that follow them.

Pure builders and parsers: block and action ids are the contract in DESIGN.md ("Interactive
surfaces"), input block_id = action_id. The state a step needs next travels in the view's
``private_metadata`` (JSON), so any replica can handle the next submission.
"""

from __future__ import annotations

import json
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
    DividerBlock,
    ExternalDataMultiSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.text import escape_mrkdwn
from bot.views.feeds import link
from briefings.subscriptions import MAX_TOP_N, SubscriptionView
from briefings.subscriptions.schedule import parse_schedule
from feeds.records import AddResult, FeedPreview
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
SECTION_MAX = 2900
# Slack's select menus: "Maximum number of options is 100" (static selects, and the answer to an
# external select's options request); option text "Maximum length ... is 75 characters".
MAX_OPTIONS = 100
OPTION_TEXT_MAX = 75


@dataclass(frozen=True)
class Pick:
    """A story the preview says the feed would rank highest, and why it matters."""

    title: str
    url: str | None
    department: str
    why: str


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_cut(text, SECTION_MAX))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, text=_cut(label, OPTION_TEXT_MAX)) for value, label in pairs]


def department_element(
    action_id: str,
    departments: Sequence[tuple[str, str]],
    *,
    multi: bool = False,
    chosen: str | None = None,
    placeholder: str | None = None,
) -> Any:
    """The department picker: a static select while the departments fit in one (100 options),
    else an external select whose options the ``block_suggestion`` listener answers, filtered by
    what the user types (:func:`department_suggestions`)."""
    pairs = list(departments)
    if len(pairs) <= MAX_OPTIONS:
        options = _options(pairs)
        if multi:
            return StaticMultiSelectElement(action_id=action_id, options=options, placeholder=placeholder)
        return StaticSelectElement(
            action_id=action_id,
            options=options,
            initial_option=_initial(options, chosen),
            placeholder=placeholder,
        )
    if multi:
        return ExternalDataMultiSelectElement(
            action_id=action_id, min_query_length=0, placeholder=placeholder
        )
    initial = _initial(_options(pairs), chosen)
    return ExternalDataSelectElement(
        action_id=action_id, min_query_length=0, initial_option=initial, placeholder=placeholder
    )


def department_suggestions(departments: Sequence[tuple[str, str]], typed: str) -> list[dict[str, Any]]:
    """The options an external department select shows for ``typed``: departments whose key or
    name contains every typed word (any case), those starting with it first, at most 100."""
    words = typed.lower().split()
    found: list[tuple[bool, int, tuple[str, str]]] = []
    for position, (key, name) in enumerate(departments):
        haystack = f"{key} {name}".lower()
        if all(word in haystack for word in words):
            starts = bool(words) and (key.startswith(words[0]) or name.lower().startswith(words[0]))
            found.append((not starts, position, (key, name)))
    found.sort()
    return [o.to_dict() for o in _options([pair for _rank, _pos, pair in found[:MAX_OPTIONS]])]


def _modal(callback_id: str, title: str, blocks: list[Block], **kwargs: Any) -> dict[str, Any]:
    return View(type="modal", callback_id=callback_id, title=title, blocks=blocks, **kwargs).to_dict()  # type: ignore[no-any-return]


def values_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """``view.state.values`` flattened to ``{block_id: value}`` (block_id = action_id here)."""
    out: dict[str, Any] = {}
    for block_id, actions in (state or {}).items():
        element: dict[str, Any] = (actions or {}).get(block_id) or next(iter((actions or {}).values()), {})
        kind = element.get("type")
        if kind in ("multi_static_select", "multi_external_select"):
            out[block_id] = [o["value"] for o in element.get("selected_options") or []]
        elif kind in ("static_select", "external_select", "radio_buttons"):
            out[block_id] = (element.get("selected_option") or {}).get("value")
        elif kind == "conversations_select":
            out[block_id] = element.get("selected_conversation")
        elif kind == "timepicker":
            out[block_id] = element.get("selected_time")
        else:
            out[block_id] = element.get("value")
    return out


# ---------------------------------------------------------------------------- add_feed


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
    return _modal("add_feed", "Add a feed", blocks, submit="Preview", close="Cancel")


def _draft_context(draft: FeedDraft) -> ContextBlock:
    name = f" · named *{escape_mrkdwn(_cut(draft.name, 100))}*" if draft.name else ""
    departments = escape_mrkdwn(_cut(", ".join(draft.departments), 500))
    return ContextBlock(elements=[_md(f"{link(draft.url)} · for {departments}{name}")])


def add_feed_checking(draft: FeedDraft) -> dict[str, Any]:
    """Shown by the ack while the first fetch runs."""
    blocks: list[Block] = [
        SectionBlock(text=_md(":hourglass_flowing_sand: Checking the feed… this takes a few seconds.")),
        _draft_context(draft),
    ]
    return _modal("add_feed_preview", "Add a feed", blocks, close="Cancel", private_metadata=draft.metadata())


def add_feed_preview(draft: FeedDraft, preview: FeedPreview, picks: Sequence[Pick]) -> dict[str, Any]:
    """What the feed would give: its title, how many items, the three it would rank highest."""
    title = escape_mrkdwn(_cut(preview.title or "(untitled feed)", 140))
    lines = [f"*{title}*: {preview.item_count} items"]
    if preview.discovered_from:
        lines.append(f"Found this feed on {link(preview.discovered_from)}; it is the one saved.")
    if preview.already_added_as:
        lines.append(f":information_source: Already curated as feed #{preview.already_added_as}.")
    if preview.warning:
        lines.append(f"Parser warning: {escape_mrkdwn(_cut(preview.warning, 300))}")
    blocks: list[Block] = [SectionBlock(text=_md("\n".join(lines))), _draft_context(draft), DividerBlock()]
    if picks:
        blocks.append(SectionBlock(text=_md("*What it would rank highest*")))
        for pick in picks[:3]:
            label = link(pick.url, pick.title) if pick.url else escape_mrkdwn(_cut(pick.title, 250))
            why = escape_mrkdwn(_cut(pick.why, 400)) or "matches this department's interests"
            department = escape_mrkdwn(_cut(pick.department, 100))
            blocks.append(SectionBlock(text=_md(f"*{label}*\n_{department}_: {why}")))
    else:
        blocks.append(
            SectionBlock(
                text=_md("None of its current items match the chosen departments' interests strongly.")
            )
        )
    return _modal(
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
        SectionBlock(text=_md(f":warning: {escape_mrkdwn(_cut(error, 500))}")),
        _draft_context(draft),
    ]
    if can_save:
        blocks.append(
            ContextBlock(
                elements=[
                    _md("You can save it anyway: it is retried at every refresh and Home shows its health.")
                ]
            )
        )
        return _modal(
            "add_feed_preview",
            "Add a feed",
            blocks,
            submit="Save anyway",
            close="Cancel",
            private_metadata=draft.metadata(),
        )
    return _modal("add_feed_preview", "Add a feed", blocks, close="Close", private_metadata=draft.metadata())


def add_feed_done(result: AddResult) -> dict[str, Any]:
    """After saving: the feed and how its first fetch went."""
    feed = result.feed
    lines = [
        f":white_check_mark: Added *#{feed.id} {escape_mrkdwn(_cut(feed.display_name, 150))}*"
        f" · {escape_mrkdwn(_cut(', '.join(feed.departments), 500))}"
    ]
    first = result.first_fetch
    if first is not None and first.outcome in ("failed", "rate_limited", "gone"):
        lines.append(
            f":warning: The first fetch failed: {escape_mrkdwn(_cut(first.error or '', 300))}. It is retried."
        )
    elif first is not None:
        lines.append(
            f"Imported {first.backlog} current items as backlog: ranking uses them, none is posted as news."
        )
    return _modal("add_feed_done", "Add a feed", [SectionBlock(text=_md("\n".join(lines)))], close="Done")


def notice_modal(callback_id: str, title: str, text: str) -> dict[str, Any]:
    """A one-message modal (``text`` is mrkdwn-safe already)."""
    return _modal(callback_id, title, [SectionBlock(text=_md(text))], close="Close")


# ---------------------------------------------------------------------------- subscribe_channel


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
        return f":warning: {escape_mrkdwn(_cut(str(exc), 300))}"
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


def _initial(options: list[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def _select(
    block_id: str, label: str, pairs: Sequence[tuple[str, str]], chosen: str | None, **kwargs: Any
) -> InputBlock:
    """An input block holding a static_select (action_id = block_id) with ``chosen`` preselected."""
    options = _options(pairs)
    element = StaticSelectElement(
        action_id=block_id, options=options, initial_option=_initial(options, chosen)
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
    quiet_options = _options(QUIET)
    quiet = RadioButtonsElement(
        action_id="quiet", options=quiet_options, initial_option=_initial(quiet_options, form.quiet)
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
        ContextBlock(block_id="next_runs", elements=[_md(_runs_text(form, now))]),
    ]
    return _modal("subscribe_channel", "Subscribe a channel", blocks, submit="Subscribe", close="Cancel")


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
