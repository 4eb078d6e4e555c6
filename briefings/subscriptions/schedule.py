"""Schedule grammar: ``daily 09:00``, ``weekdays 08:30``, ``weekly mon 09:00`` or 5-field cron.

Every schedule is normalised to a 5-field cron expression whose day-of-week field uses names
(``mon-fri``), because APScheduler 3 numbers weekdays from Monday = 0 while crontab numbers them
from Sunday = 0: ``30 8 * * 1-5`` means Monday to Friday to users, and that is what we store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from briefings.errors import InvalidSchedule

DEFAULT_SCHEDULE = "weekdays 09:00"
MIN_INTERVAL = timedelta(hours=1)
NEVER_AFTER = timedelta(days=4 * 366)  # 29 February comes round every four years

EXAMPLES = (
    "`daily 09:00`, `weekdays 08:30`, `weekly mon 09:00`, "
    "or a 5-field cron expression such as `30 8 * * 1-5` (minute hour day month weekday)"
)

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_ALIASES = {
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the words users see, the cron we run, and its timezone."""

    spec: str
    cron: str
    timezone: str

    def next_after(self, moment: datetime) -> datetime | None:
        """The first slot strictly after ``moment`` (aware UTC in, aware out)."""
        return next_slot(self.cron, self.timezone, moment)

    def latest_at_or_before(self, moment: datetime) -> datetime | None:
        """The most recent slot at or before ``moment``."""
        return latest_slot(self.cron, self.timezone, moment)


def _error(what: str) -> InvalidSchedule:
    return InvalidSchedule(f"{what} Try {EXAMPLES}.")


def parse_timezone(name: str | None) -> str:
    """A valid IANA timezone name (``Europe/Berlin``, ``UTC``); a clear error otherwise."""
    name = (name or "UTC").strip()
    if name.upper() in ("UTC", "Z", "GMT"):
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSchedule(
            f"Unknown timezone {name[:60]!r}. Use an IANA name such as `Europe/Berlin`, "
            "`America/New_York` or `UTC`."
        ) from exc
    return name


def _time(text: str) -> tuple[int, int]:
    m = _TIME.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise _error(f"{text[:20]!r} is not a time of day; write it as 24-hour HH:MM, e.g. `09:00`.")
    return int(m.group(1)), int(m.group(2))


def _day(text: str) -> str:
    word = text.lower()
    word = _DAY_ALIASES.get(word, word)
    if word not in _DAYS:
        raise _error(f"{text[:20]!r} is not a day of the week; use mon, tue, wed, thu, fri, sat or sun.")
    return word


def _expand_weekdays(field: str) -> str:
    """Crontab weekday field (0 or 7 = Sunday, names allowed) -> sorted day names, or ``*``."""
    days: set[int] = set()
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise _error(f"the weekday step in {field!r} must be a positive number.")
            step = int(step_text)
        if base == "*":
            lo, hi = 0, 6
        else:
            ends = base.split("-")
            if len(ends) > 2 or not all(ends):
                raise _error(f"cannot read the weekday field {field!r}.")
            values = [_weekday_number(e, field) for e in ends]
            lo, hi = values[0], values[-1]
            if step_text and len(ends) == 1:
                hi = 6
            if hi < lo:
                if hi == 0:  # "5-0" or "fri-sun": Sunday written at the end
                    hi = 7
                else:
                    raise _error(f"the weekday range {base!r} runs backwards.")
        days.update(d % 7 for d in range(lo, hi + 1, step))
    if days == set(range(7)):
        return "*"
    order = [1, 2, 3, 4, 5, 6, 0]  # Monday first reads naturally
    return ",".join(_DAYS[d] for d in order if d in days)


def _weekday_number(text: str, field: str) -> int:
    if text.isdigit():
        value = int(text)
        if value > 7:
            raise _error(f"weekday {value} in {field!r} is out of range (0-7, 0 and 7 are Sunday).")
        return value
    word = _DAY_ALIASES.get(text, text)
    if word in _DAYS:
        return _DAYS.index(word)
    raise _error(f"{text!r} in {field!r} is not a weekday.")


def _from_cron(fields: list[str], tz: str) -> str:
    minute, hour, day, month, weekday = fields
    if day not in ("*", "?") and weekday not in ("*", "?"):
        raise _error(
            "A cron expression that restricts both the day of the month and the weekday is ambiguous; "
            "restrict only one of them."
        )
    weekday = _expand_weekdays("*" if weekday == "?" else weekday)
    day = "*" if day == "?" else day
    cron = " ".join((minute, hour, day, month, weekday))
    try:
        cron_trigger(cron, tz)
    except ValueError as exc:
        raise _error(f"{' '.join(fields)!r} is not a valid cron expression ({exc}).") from exc
    return cron


def parse_schedule(text: str | None, timezone: str | None = None) -> Schedule:
    """Parse the schedule grammar; raises :class:`InvalidSchedule` explaining with examples."""
    tz = parse_timezone(timezone)
    words = (text or DEFAULT_SCHEDULE).split()
    if not words:
        words = DEFAULT_SCHEDULE.split()
    kind = words[0].lower()
    if kind == "daily" and len(words) == 2:
        hour, minute = _time(words[1])
        spec, cron = f"daily {hour:02d}:{minute:02d}", f"{minute} {hour} * * *"
    elif kind == "weekdays" and len(words) == 2:
        hour, minute = _time(words[1])
        spec, cron = f"weekdays {hour:02d}:{minute:02d}", f"{minute} {hour} * * mon,tue,wed,thu,fri"
    elif kind == "weekly" and len(words) == 3:
        day = _day(words[1])
        hour, minute = _time(words[2])
        spec, cron = f"weekly {day} {hour:02d}:{minute:02d}", f"{minute} {hour} * * {day}"
    elif kind in ("daily", "weekdays"):
        raise _error(f"`{kind}` needs a time, e.g. `{kind} 09:00`.")
    elif kind == "weekly":
        raise _error("`weekly` needs a day and a time, e.g. `weekly mon 09:00`.")
    elif len(words) == 5:
        cron = _from_cron(words, tz)
        spec = " ".join(words)
    else:
        raise _error(f"I can't read the schedule {' '.join(words)[:80]!r}.")
    _check_interval(cron, tz, spec)
    return Schedule(spec=spec, cron=cron, timezone=tz)


def _check_interval(cron: str, tz: str, spec: str) -> None:
    trigger = cron_trigger(cron, tz)
    start = datetime(2026, 1, 5, tzinfo=ZoneInfo(tz))  # a Monday: scan one week (and a bit)
    # A date that does not exist (30 February) is valid cron but would never post: say so now,
    # not with "next -" and a subscription that silently never runs.
    first = trigger.get_next_fire_time(None, start)
    if first is None or first - start > NEVER_AFTER:
        raise _error(f"{spec!r} never happens (no such date), so nothing would ever be posted.")
    previous = None
    moment: datetime | None = start
    for _ in range(200):
        moment = trigger.get_next_fire_time(previous, moment)
        if moment is None:
            break
        if previous is not None and moment - previous < MIN_INTERVAL:
            raise _error(f"{spec!r} would post more than once an hour; briefings run at most hourly.")
        if moment - start > timedelta(days=8):
            break
        previous = moment
        moment = moment + timedelta(seconds=1)


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """A CronTrigger for a normalised cron expression (weekdays already as names)."""
    minute, hour, day, month, weekday = cron.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=ZoneInfo(timezone)
    )


def next_slot(cron: str, timezone: str, moment: datetime) -> datetime | None:
    """The first slot strictly after ``moment``."""
    trigger = cron_trigger(cron, timezone)
    found = trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
    return found.astimezone(moment.tzinfo) if found else None


_LOOKBACKS = (timedelta(hours=2), timedelta(days=1, hours=2), timedelta(days=8), timedelta(days=32))


def latest_slot(cron: str, timezone: str, moment: datetime) -> datetime | None:
    """The most recent slot at or before ``moment`` (None if none in the last ~year).

    APScheduler 3 only looks forward, so this steps forward from growing look-back windows;
    the at-most-hourly rule keeps each walk short.
    """
    trigger = cron_trigger(cron, timezone)
    for window in (*_LOOKBACKS, timedelta(days=370)):
        candidate: datetime | None = trigger.get_next_fire_time(None, moment - window)
        if candidate is None or candidate > moment:
            continue
        latest = candidate
        while True:
            following: datetime | None = trigger.get_next_fire_time(latest, latest + timedelta(seconds=1))
            if following is None or following > moment:
                return latest.astimezone(moment.tzinfo)
            latest = following
    return None
