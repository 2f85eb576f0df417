"""Snippet expiration choices and the arithmetic that turns one into an `expires_at`."""

import calendar
from datetime import timedelta

from django.db import models


class Expiration(models.TextChoices):
    """What the paste form, the settings page and an account's default offer, shortest first."""

    TEN_MINUTES = "10 minutes", "10 Minutes"
    HOUR = "1 hour", "1 Hour"
    DAY = "1 day", "1 Day"
    WEEK = "1 week", "1 Week"
    MONTH = "1 month", "1 Month"
    SIX_MONTHS = "6 months", "6 Months"
    YEAR = "1 year", "1 Year"
    NEVER = "never", "Never"


# A snippet whose lifetime an API client chose (`expiry_days`, `expiry_seconds`) that is none of the above; never
# offered as a choice, so an account's default is always one of Expiration.
CUSTOM = "custom"
SNIPPET_EXPIRATIONS = [*Expiration.choices, (CUSTOM, "Chosen through the API")]

_LENGTHS = {
    Expiration.TEN_MINUTES: timedelta(minutes=10),
    Expiration.HOUR: timedelta(hours=1),
    Expiration.DAY: timedelta(days=1),
    Expiration.WEEK: timedelta(days=7),
}
_MONTHS = {Expiration.MONTH: 1, Expiration.SIX_MONTHS: 6, Expiration.YEAR: 12}


def add_months(moment, months):
    """The same day `months` later; a day the target month lacks becomes its last day (Jan 31 + 1 → Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expires_at_for(expiration, created_on):
    """When a snippet created at `created_on` with `expiration` stops being served; None for never."""
    if expiration == Expiration.NEVER:
        return None
    if expiration in _LENGTHS:
        return created_on + _LENGTHS[expiration]
    if expiration in _MONTHS:
        return add_months(created_on, _MONTHS[expiration])
    raise ValueError(f"unknown expiration {expiration!r}")


def expiration_for_lifetime(lifetime: timedelta) -> str:
    """The choice a lifetime is exactly (one day is "1 day"), or CUSTOM: months are calendar months, never a
    number of days, so 30 days is not "1 month"."""
    return next((choice for choice, length in _LENGTHS.items() if length == lifetime), CUSTOM)
