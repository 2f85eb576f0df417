"""A job row's schedule as the APScheduler trigger the daemon wakes up on; the previews use the very same one.

Crontab schedules read the wall clock of their own time zone (`cron.CrontabTrigger`, DST-correct); interval
schedules count whole intervals from the job's anchor, so that every daemon computes the same fire times (the
ledger's unique (job, fire time) row is what stops two daemons sending one twice); a one-off fires at its moment.
`start_at` and `end_at` bound all three.
"""

from datetime import UTC, timedelta

from apscheduler.triggers.base import BaseTrigger

from .cron import CrontabTrigger
from .models import PeriodicJob


class BoundedTrigger(BaseTrigger):
    """`inner`'s fire times that fall in [`start`, `end`]; either bound may be None."""

    def __init__(self, inner, *, start=None, end=None):
        self.inner, self.start, self.end = inner, start, end

    def get_next_fire_time(self, previous_fire_time, now):
        if self.start is not None and previous_fire_time is None and now < self.start:
            now = self.start
        fire_time = self.inner.get_next_fire_time(previous_fire_time, now)
        while fire_time is not None and self.start is not None and fire_time < self.start:
            fire_time = self.inner.get_next_fire_time(fire_time, fire_time)
        if fire_time is not None and self.end is not None and fire_time > self.end:
            return None
        return fire_time

    def __str__(self):
        return f"{self.inner} from {self.start or 'now'} until {self.end or 'ever'}"


class EveryInterval(BaseTrigger):
    """Fires at `anchor` + k * `seconds` (k >= 0): pure arithmetic, so any daemon finds the same fire times."""

    def __init__(self, seconds, anchor):
        self.step = timedelta(seconds=seconds)
        self.anchor = anchor.astimezone(UTC)

    def get_next_fire_time(self, previous_fire_time, now):
        """The first fire time after `previous_fire_time` if given (on the grid or not), else the first at or
        after `now`, as `CrontabTrigger` does."""
        if previous_fire_time is not None:
            if previous_fire_time < self.anchor:
                return self.anchor
            return self.anchor + ((previous_fire_time - self.anchor) // self.step + 1) * self.step
        if now <= self.anchor:
            return self.anchor
        return self.anchor + -((self.anchor - now) // self.step) * self.step  # ceiling division

    def __str__(self):
        return f"every {self.step.total_seconds():g} s from {self.anchor:%Y-%m-%d %H:%M:%S} UTC"


class OneOff(BaseTrigger):
    """Fires once, at `moment`; unlike APScheduler's `DateTrigger` it never returns a moment before `now`."""

    def __init__(self, moment):
        self.moment = moment.astimezone(UTC)

    def get_next_fire_time(self, previous_fire_time, now):
        return self.moment if previous_fire_time is None and now <= self.moment else None

    def __str__(self):
        return f"once at {self.moment:%Y-%m-%d %H:%M:%S} UTC"


def job_trigger(job: PeriodicJob) -> BaseTrigger:
    """The trigger of `job`'s schedule; ValueError when the row's schedule cannot be built (see `validation.py`)."""
    if job.kind == PeriodicJob.Kind.CRONTAB:
        inner = CrontabTrigger(job.crontab, job.timezone)
    elif job.kind == PeriodicJob.Kind.INTERVAL:
        if not job.interval_seconds or job.anchor_at is None:
            raise ValueError("an interval schedule needs a number of seconds and an anchor")
        inner = EveryInterval(job.interval_seconds, job.anchor_at)
    elif job.kind == PeriodicJob.Kind.ONE_OFF:
        if job.run_at is None:
            raise ValueError("a one-off schedule needs a moment")
        inner = OneOff(job.run_at)
    else:
        raise ValueError(f"unknown schedule kind {job.kind!r}")
    if job.start_at is None and job.end_at is None:
        return inner
    return BoundedTrigger(inner, start=job.start_at, end=job.end_at)
