"""Snippet expiration choices and the calendar arithmetic that turns one into an `expires_at`."""

import calendar
from datetime import timedelta

from django.db import models


class Expiration(models.TextChoices):
    NEVER = "never", "Never"
    WEEK = "1 week", "1 Week"
    MONTH = "1 month", "1 Month"
    SIX_MONTHS = "6 months", "6 Months"
    YEAR = "1 year", "1 Year"


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
    if expiration == Expiration.WEEK:
        return created_on + timedelta(days=7)
    if expiration in _MONTHS:
        return add_months(created_on, _MONTHS[expiration])
    raise ValueError(f"unknown expiration {expiration!r}")
