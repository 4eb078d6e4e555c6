"""Channel subscriptions: which department's briefing a channel gets, and when.

Statuses: ``active`` (scheduled), ``paused`` (Slack refused the channel, or an admin paused it;
``paused_reason`` says why), ``manual`` (the channel only ever got ``briefbot send`` briefings:
a bookkeeping row for their claims, never listed, paused or resumed). This module holds the
checks and the view; ``briefings.subscriptions.store`` reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from briefings.assembly.profiles import Profiles
from briefings.errors import BriefingError, SubscriptionNotFound

ACTIVE, PAUSED, MANUAL = "active", "paused", "manual"
QUIET_MODES = ("post", "skip")
MAX_TOP_N = 10
DEFAULT_TOP_N = 5
DEFAULT_QUIET_MODE = "post"


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as listings and messages show it."""

    id: int
    channel_id: str
    department: str
    schedule: str
    cron: str
    timezone: str
    status: str
    paused_reason: str | None
    quiet_mode: str
    top_n: int
    created_by: str
    created_at: datetime
    next_run: datetime | None = None
    last_sent_at: datetime | None = None
    last_permalink: str | None = None  # the last posted briefing, as stored when it was posted
    # The latest failed delivery (Slack's error or why the slot was given up on), and when.
    last_error: str | None = None
    last_error_at: datetime | None = None

    @property
    def failing(self) -> bool:
        """The latest delivery attempt failed after the last briefing was posted."""
        if self.last_error is None or self.last_error_at is None:
            return False
        return self.last_sent_at is None or self.last_error_at > self.last_sent_at


@dataclass(frozen=True)
class SubscriptionChange:
    """What one subscribe did: the subscription before it (None: it is new) and after it.

    Front doors word their confirmation from this, so an admin sees what changed and what was
    kept (a setting nobody mentioned is never changed behind their back).
    """

    before: SubscriptionView | None
    after: SubscriptionView

    @property
    def created(self) -> bool:
        return self.before is None

    def changed(self) -> tuple[str, ...]:
        """The settings (``schedule``, ``timezone``, ``top_n``, ``quiet_mode``) this changed."""
        if self.before is None:
            return SETTINGS
        return tuple(name for name in SETTINGS if getattr(self.before, name) != getattr(self.after, name))


SETTINGS = ("schedule", "timezone", "top_n", "quiet_mode")


def stories_text(top_n: int) -> str:
    """``3 stories per briefing``."""
    return f"{top_n} {'story' if top_n == 1 else 'stories'} per briefing"


def _quiet_word(quiet_mode: str) -> str:
    return "skipped" if quiet_mode == "skip" else "posted as a short note"


def quiet_text(quiet_mode: str) -> str:
    """``quiet weeks skipped`` or ``quiet weeks posted as a short note``."""
    return f"quiet weeks {_quiet_word(quiet_mode)}"


def change_summary(
    change: SubscriptionChange, *, code: Callable[[str], str] = str
) -> tuple[list[str], list[str]]:
    """(what changed, what was kept) as phrases, e.g. ``["schedule changed to weekly fri 16:00
    (Europe/Berlin, unchanged)"]`` and ``["5 stories per briefing", "quiet weeks skipped"]``.

    ``code`` formats a schedule as the door shows commands and values (Slack: backticks). A new
    subscription changed everything: its phrases say what it got, and nothing was kept.
    """
    after, before = change.after, change.before
    schedule = f"{code(after.schedule)} ({after.timezone})"
    if before is None:
        return [schedule, stories_text(after.top_n), quiet_text(after.quiet_mode)], []
    changed: list[str] = []
    kept: list[str] = []
    new_schedule, new_zone = before.schedule != after.schedule, before.timezone != after.timezone
    if new_schedule:
        zone = f"was {before.timezone}" if new_zone else "unchanged"
        changed.append(f"schedule changed to {code(after.schedule)} ({after.timezone}, {zone})")
    elif new_zone:
        changed.append(
            f"time zone changed to {after.timezone} (was {before.timezone}; {code(after.schedule)} unchanged)"
        )
    else:
        kept.append(f"schedule {schedule}")
    if before.top_n != after.top_n:
        changed.append(f"{stories_text(after.top_n)} (was {before.top_n})")
    else:
        kept.append(stories_text(after.top_n))
    if before.quiet_mode != after.quiet_mode:
        changed.append(
            f"quiet weeks now {_quiet_word(after.quiet_mode)} (were {_quiet_word(before.quiet_mode)})"
        )
    else:
        kept.append(quiet_text(after.quiet_mode))
    return changed, kept


def check_top_n(value: int | str | None) -> int | None:
    """Stories per briefing, 1 to ``MAX_TOP_N`` (a number, or the text someone typed); None: keep."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdecimal() or not 1 <= int(text) <= MAX_TOP_N:
        raise BriefingError(f"A briefing shows 1 to {MAX_TOP_N} stories (e.g. `--top 3`), not {text[:20]!r}.")
    return int(text)


def check_quiet_mode(value: str | None) -> str | None:
    """``post`` or ``skip`` (any case); None: keep."""
    if value is None:
        return None
    mode = value.strip().lower()
    if mode not in QUIET_MODES:
        raise BriefingError(
            "Quiet weeks are either posted as a short note (`--quiet post`) or skipped "
            f"(`--quiet skip`), not {value.strip()[:20]!r}."
        )
    return mode


def channel_subscription(
    rows: list[SubscriptionView], department: str | None, profiles: Profiles, *, verb: str = "unsubscribe"
) -> SubscriptionView:
    """The one of a channel's ``rows`` meant by ``department`` (a canonical key), or by nothing
    when the channel has exactly one briefing; a clear error otherwise (its example uses
    ``/ai-brief <verb>``)."""
    order = profiles.keys
    rows = sorted(rows, key=lambda r: order.index(r.department) if r.department in order else len(order))
    if department is not None:
        match = [r for r in rows if r.department == department]
        if not match:
            raise SubscriptionNotFound(f"This channel has no {profiles.get(department).name} briefing.")
        return match[0]
    if not rows:
        raise SubscriptionNotFound("This channel has no briefings.")
    if len(rows) > 1:
        names = " and ".join(r.department for r in rows)
        raise BriefingError(
            f"This channel gets {names} briefings; say which one, e.g. "
            f"`/ai-brief {verb} {rows[0].department}`."
        )
    return rows[0]
