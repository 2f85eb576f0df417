"""Crontab expressions as APScheduler triggers that read the wall clock of a time zone, as cron does.

APScheduler 3.11's own `CronTrigger` gets two things wrong for us, both checked against 3.11.3:

- In a zone with daylight saving time it adds 24 hours to step a day, so a midnight job in Europe/Berlin that
  fires at 00:00 on the day clocks spring forward computes its next run for the day after next: one
  midnight is silently skipped every March (APScheduler issues #529, #606). In autumn a job in the repeated
  hour (`30 2 * * *`) fires twice.
- `CronTrigger.from_crontab` reads day-of-week numbers with 0 = Monday, where crontab has 0 = Sunday.

`CrontabTrigger` therefore matches the expression on naive wall-clock time (an inner `CronTrigger` in UTC,
which has no DST) and only then places each wall time in the zone, PEP 495 style with `fold=0`:
a repeated wall time fires once, at its first occurrence; a wall time that a spring change skips fires at
the instant it would have had without the change (02:30 → 03:30 summer time), and never twice.
"""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# A DST change moves the wall clock by at most a few hours: look this far back for one.
_FOLD_MARGIN = timedelta(hours=3)


def _crontab_weekdays(field):
    """A crontab day-of-week field (0 or 7 = Sunday) as APScheduler weekday names; names pass through."""
    if field == "*" or field.isalpha() or any(c.isalpha() for c in field):
        return field
    days = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low, high = (int(x) for x in span.split("-", 1))
        else:
            low = high = int(span)
            if step:
                high = 6
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high):
            raise ValueError(f"day of week {part!r} is outside 0-7")
        days.update(day % 7 for day in range(low, high + 1, int(step or 1)))
    return ",".join(_WEEKDAY_NAMES[day] for day in sorted(days))


class CrontabTrigger(BaseTrigger):
    """Fires when the wall clock in `timezone` matches the five-field crontab expression `expr`."""

    def __init__(self, expr, timezone):
        fields = expr.split()
        if len(fields) != 5:
            raise ValueError(f"a crontab expression has 5 fields (minute hour day month weekday), not {len(fields)}")
        minute, hour, day, month, weekday = fields
        self.expr = " ".join(fields)
        self.timezone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._wall = CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=_crontab_weekdays(weekday), timezone=UTC
        )

    def _instant(self, wall):
        return wall.replace(tzinfo=self.timezone).astimezone(UTC)

    def get_next_fire_time(self, previous_fire_time, now):
        """The first fire time after `previous_fire_time` if given, else the first at or after `now`.

        Wall times map to instants in order except across a spring change: a wall time in the gap lands as
        late as the gap is long (02:30 → 03:30), after the wall times just past the gap (03:10). So the
        search looks back over a gap that ends just before `after`, and past a candidate that is in a gap.
        """
        after = previous_fire_time or now
        local = after.astimezone(self.timezone)
        skipped = local.utcoffset() - (after - _FOLD_MARGIN).astimezone(self.timezone).utcoffset()
        wall = self._wall.get_next_fire_time(None, local.replace(tzinfo=UTC) - max(skipped, timedelta(0)))
        best = horizon = None
        while wall is not None and (horizon is None or wall <= horizon):
            naive = wall.replace(tzinfo=None)
            instant = self._instant(naive)
            if instant > after or (previous_fire_time is None and instant == after):
                best = instant if best is None else min(best, instant)
                if horizon is None:
                    horizon = wall + (instant.astimezone(self.timezone).replace(tzinfo=None) - naive)
            wall = self._wall.get_next_fire_time(wall, wall)
        return best.astimezone(self.timezone) if best else None

    def __str__(self):
        return f"cron[{self.expr}] in {self.timezone}"

    def __repr__(self):
        return f"<CrontabTrigger {self.expr!r} timezone={self.timezone}>"


def next_fire_times(trigger, now, count):
    """The next `count` fire times at or after `now`."""
    times = []
    fire_time = trigger.get_next_fire_time(None, now)
    while fire_time is not None and len(times) < count:
        times.append(fire_time)
        fire_time = trigger.get_next_fire_time(fire_time, fire_time)
    return times


def latest_fire_time(trigger, now, *, since):
    """The latest fire time in [`since`, `now`], or None.

    Probes back from `now` in windows growing fourfold, so a year of downtime on a per-minute schedule costs
    a few dozen trigger steps, not half a million.
    """
    if since > now:
        return None
    span = timedelta(minutes=1)
    while True:
        probe = max(now - span, since)
        fire_time = trigger.get_next_fire_time(None, probe)
        if fire_time is not None and fire_time <= now:
            while (following := trigger.get_next_fire_time(fire_time, fire_time)) is not None and following <= now:
                fire_time = following
            return fire_time
        if probe == since:
            return None
        span *= 4
