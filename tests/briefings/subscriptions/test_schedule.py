"""Schedule grammar: the three phrases, cron with crontab weekday numbers, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefings.errors import InvalidSchedule
from briefings.subscriptions.schedule import latest_slot, next_slot, parse_schedule, parse_timezone

WED = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # Wednesday 25 Nov 2026, 14:00 in Berlin


@pytest.mark.parametrize(
    ("text", "spec", "cron"),
    [
        ("daily 09:00", "daily 09:00", "0 9 * * *"),
        ("weekdays 8:30", "weekdays 08:30", "30 8 * * mon,tue,wed,thu,fri"),
        ("weekly Monday 09:00", "weekly mon 09:00", "0 9 * * mon"),
        ("WEEKLY fri 16:45", "weekly fri 16:45", "45 16 * * fri"),
        # crontab numbers weekdays from Sunday = 0; APScheduler 3 from Monday = 0: we store names.
        ("30 8 * * 1-5", "30 8 * * 1-5", "30 8 * * mon,tue,wed,thu,fri"),
        ("0 9 * * 0", "0 9 * * 0", "0 9 * * sun"),
        ("0 9 * * 7", "0 9 * * 7", "0 9 * * sun"),
        ("0 9 * * 5-7", "0 9 * * 5-7", "0 9 * * fri,sat,sun"),
        ("0 9 * * sat-sun", "0 9 * * sat-sun", "0 9 * * sat,sun"),
        ("0 9 1 * *", "0 9 1 * *", "0 9 1 * *"),
    ],
)
def test_grammar_normalises_to_cron(text: str, spec: str, cron: str) -> None:
    schedule = parse_schedule(text, "UTC")
    assert (schedule.spec, schedule.cron) == (spec, cron)


def test_cron_weekdays_mean_monday_to_friday() -> None:
    schedule = parse_schedule("30 8 * * 1-5", "UTC")
    saturday = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    assert schedule.next_after(saturday) == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # Monday


def test_default_is_weekdays_nine() -> None:
    assert parse_schedule(None).spec == "weekdays 09:00"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("every day", "can't read the schedule"),
        ("daily", "`daily` needs a time"),
        ("daily 25:00", "not a time of day"),
        ("daily 9am", "not a time of day"),
        ("weekly 09:00", "needs a day and a time"),
        ("weekly funday 09:00", "not a day of the week"),
        ("* * * * *", "more than once an hour"),
        ("*/30 9 * * *", "more than once an hour"),
        ("0 9 1 * 1", "ambiguous"),
        ("0 25 * * *", "not a valid cron expression"),
        ("0 9 * * 8", "out of range"),
        # Valid cron for dates that never come: accepted once with "next -", never posted.
        ("0 0 30 2 *", "never happens"),
        ("0 9 31 4 *", "never happens"),
    ],
)
def test_bad_schedules_are_explained_with_examples(text: str, words: str) -> None:
    with pytest.raises(InvalidSchedule) as err:
        parse_schedule(text)
    message = str(err.value)
    assert words in message
    assert "`daily 09:00`" in message and "`weekly mon 09:00`" in message and "cron" in message


def test_a_leap_day_schedule_is_rare_but_real() -> None:
    assert parse_schedule("0 9 29 2 *").cron == "0 9 29 2 *"


def test_timezones() -> None:
    assert parse_timezone(None) == "UTC"
    assert parse_timezone("Europe/Berlin") == "Europe/Berlin"
    with pytest.raises(InvalidSchedule, match=r"Unknown timezone 'Mars/Olympus'.*Europe/Berlin"):
        parse_timezone("Mars/Olympus")


def test_slots_are_in_the_schedules_timezone() -> None:
    schedule = parse_schedule("daily 09:00", "Europe/Berlin")
    assert schedule.latest_at_or_before(WED) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert schedule.next_after(WED) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_latest_slot_is_inclusive_and_handles_weekly_and_dst() -> None:
    weekly = parse_schedule("weekly mon 09:00", "Europe/Berlin")
    assert weekly.latest_at_or_before(WED) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    exact = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert weekly.latest_at_or_before(exact) == exact
    assert next_slot(weekly.cron, weekly.timezone, exact) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    # Summer time: 09:00 Berlin is 07:00 UTC in July.
    july = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    assert latest_slot("0 9 * * *", "Europe/Berlin", july) == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    monthly = parse_schedule("0 9 1 * *", "UTC")
    assert monthly.latest_at_or_before(WED) == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
