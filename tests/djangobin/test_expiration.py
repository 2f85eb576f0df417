from datetime import UTC, datetime, timedelta

import pytest

from djangobin.expiration import CUSTOM, Expiration, add_months, expiration_for_lifetime, expires_at_for

NOON = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expiration", "expected"),
    [
        (Expiration.NEVER, None),
        (Expiration.TEN_MINUTES, datetime(2026, 1, 31, 12, 10, tzinfo=UTC)),
        (Expiration.HOUR, datetime(2026, 1, 31, 13, 0, tzinfo=UTC)),
        (Expiration.DAY, datetime(2026, 2, 1, 12, 0, tzinfo=UTC)),
        (Expiration.WEEK, datetime(2026, 2, 7, 12, 0, tzinfo=UTC)),
        (Expiration.MONTH, datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),
        (Expiration.SIX_MONTHS, datetime(2026, 7, 31, 12, 0, tzinfo=UTC)),
        (Expiration.YEAR, datetime(2027, 1, 31, 12, 0, tzinfo=UTC)),
    ],
)
def test_each_expiration_ends_on_the_calendar_date_not_after_30_day_months(expiration, expected):
    assert expires_at_for(expiration, NOON) == expected


def test_a_month_from_the_15th_is_the_15th_of_next_month_whatever_its_length():
    assert add_months(datetime(2026, 2, 15, tzinfo=UTC), 1) == datetime(2026, 3, 15, tzinfo=UTC)


def test_a_month_from_january_31st_in_a_leap_year_is_february_29th():
    assert add_months(datetime(2028, 1, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)


def test_months_roll_over_the_year():
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 6) == datetime(2027, 5, 30, tzinfo=UTC)


def test_an_unknown_expiration_is_refused():
    with pytest.raises(ValueError, match="unknown expiration"):
        expires_at_for("3 days", NOON)


def test_the_choices_run_from_ten_minutes_to_a_year_then_never():
    assert Expiration.labels == ["10 Minutes", "1 Hour", "1 Day", "1 Week", "1 Month", "6 Months", "1 Year", "Never"]


@pytest.mark.parametrize(
    ("lifetime", "expiration"),
    [
        (timedelta(minutes=10), Expiration.TEN_MINUTES),
        (timedelta(seconds=3600), Expiration.HOUR),
        (timedelta(days=1), Expiration.DAY),
        (timedelta(days=7), Expiration.WEEK),
        (timedelta(days=30), CUSTOM),
        (timedelta(days=1, seconds=1), CUSTOM),
    ],
)
def test_a_lifetime_is_named_by_the_choice_it_equals_exactly_or_else_custom(lifetime, expiration):
    assert expiration_for_lifetime(lifetime) == expiration


def test_a_custom_expiration_has_no_end_of_its_own_to_compute():
    with pytest.raises(ValueError, match="unknown expiration"):
        expires_at_for(CUSTOM, NOON)
