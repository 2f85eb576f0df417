from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.cron import CrontabTrigger, latest_fire_time, next_fire_times

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def in_utc(times):
    # Compare instants in UTC: Python's == between zones is False for any time in a repeated hour (PEP 495),
    # and subtracting two times of the same zone ignores a DST change between them.
    return [t.astimezone(UTC) for t in times]


def test_midnight_in_utc_fires_every_day_at_midnight_utc():
    trigger = CrontabTrigger("0 0 * * *", "UTC")
    assert next_fire_times(trigger, utc(2026, 2, 27, 9, 30), 3) == [utc(2026, 2, 28), utc(2026, 3, 1), utc(2026, 3, 2)]


def test_a_fire_time_equal_to_now_is_the_next_one_but_not_after_itself():
    trigger = CrontabTrigger("0 0 * * *", "UTC")
    assert trigger.get_next_fire_time(None, utc(2026, 3, 1)) == utc(2026, 3, 1)
    assert trigger.get_next_fire_time(utc(2026, 3, 1), utc(2026, 3, 1)) == utc(2026, 3, 2)


def test_midnight_in_berlin_fires_every_local_midnight_across_the_march_change_without_skipping_a_day():
    # Clocks jump 02:00 → 03:00 on 2025-03-30; APScheduler 3.11's CronTrigger skips the midnight of March 31.
    trigger = CrontabTrigger("0 0 * * *", "Europe/Berlin")
    times = in_utc(next_fire_times(trigger, berlin(2025, 3, 29, 12, 0), 3))
    assert times == in_utc([berlin(2025, 3, 30), berlin(2025, 3, 31), berlin(2025, 4, 1)])
    assert [t.hour for t in times] == [23, 22, 22]  # a 23-hour day, then summer time


def test_midnight_in_berlin_fires_every_local_midnight_across_the_october_change():
    trigger = CrontabTrigger("0 0 * * *", "Europe/Berlin")
    times = in_utc(next_fire_times(trigger, berlin(2025, 10, 25, 12, 0), 3))
    assert times == in_utc([berlin(2025, 10, 26), berlin(2025, 10, 27), berlin(2025, 10, 28)])
    assert times[1] - times[0] == timedelta(hours=25)


def test_a_wall_time_the_march_change_skips_fires_once_an_hour_later_in_summer_time():
    trigger = CrontabTrigger("30 2 * * *", "Europe/Berlin")
    times = in_utc(next_fire_times(trigger, berlin(2025, 3, 29, 12, 0), 3))
    assert times == [utc(2025, 3, 30, 1, 30), utc(2025, 3, 31, 0, 30), utc(2025, 4, 1, 0, 30)]
    assert times[0].astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_wall_time_the_october_change_repeats_fires_once_at_its_first_occurrence():
    trigger = CrontabTrigger("30 2 * * *", "Europe/Berlin")
    times = in_utc(next_fire_times(trigger, berlin(2025, 10, 25, 12, 0), 3))
    assert times == [utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30), utc(2025, 10, 28, 1, 30)]


def test_a_frequent_job_keeps_its_rhythm_through_the_spring_gap_without_duplicates():
    trigger = CrontabTrigger("*/20 * * * *", "Europe/Berlin")
    times = in_utc(next_fire_times(trigger, berlin(2025, 3, 30, 1, 30), 4))
    assert [t.strftime("%H:%M") for t in times] == ["00:40", "01:00", "01:20", "01:40"]
    assert trigger.get_next_fire_time(None, berlin(2025, 3, 30, 3, 5)) == berlin(2025, 3, 30, 3, 20)


@pytest.mark.parametrize(
    ("weekday", "expected_days"),
    [
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("sat,sun", ["Sat", "Sun"]),
    ],
)
def test_day_of_week_numbers_follow_crontab_where_zero_is_sunday(weekday, expected_days):
    trigger = CrontabTrigger(f"0 0 * * {weekday}", "UTC")
    times = next_fire_times(trigger, utc(2026, 3, 1), 7)  # 2026-03-01 is a Sunday
    assert sorted({t.strftime("%a") for t in times}) == sorted(expected_days)


@pytest.mark.parametrize("expr", ["0 0 * *", "0 0 * * * *", "61 0 * * *", "0 0 * * 8", "nonsense"])
def test_a_malformed_expression_is_refused(expr):
    with pytest.raises(ValueError):
        CrontabTrigger(expr, "UTC")


def test_the_latest_fire_time_is_the_last_one_at_or_before_now_and_not_before_since():
    trigger = CrontabTrigger("0 0 * * *", "UTC")
    now = utc(2026, 3, 4, 9, 0)
    assert latest_fire_time(trigger, now, since=utc(2026, 3, 1)) == utc(2026, 3, 4)
    assert latest_fire_time(trigger, utc(2026, 3, 4), since=utc(2026, 3, 1)) == utc(2026, 3, 4)
    assert latest_fire_time(trigger, now, since=utc(2026, 3, 4, 0, 0, 1)) is None
    assert latest_fire_time(trigger, now, since=now + timedelta(days=1)) is None


def test_a_year_of_downtime_on_a_per_minute_schedule_costs_few_trigger_steps():
    trigger = CrontabTrigger("* * * * *", "UTC")
    calls = 0
    original = trigger.get_next_fire_time

    def counting(previous, now):
        nonlocal calls
        calls += 1
        return original(previous, now)

    trigger.get_next_fire_time = counting
    assert latest_fire_time(trigger, utc(2026, 3, 4, 9, 0, 30), since=utc(2025, 3, 4)) == utc(2026, 3, 4, 9, 0)
    assert calls < 10
