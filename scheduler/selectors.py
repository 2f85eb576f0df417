"""Reads of the scheduler's tables, and the previews computed by the triggers the daemon itself uses."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .cron import next_fire_times
from .models import JobRun, JobsRevision, PeriodicJob
from .triggers import job_trigger


def jobs_all() -> QuerySet[PeriodicJob]:
    return PeriodicJob.objects.order_by("name")


def jobs_enabled() -> QuerySet[PeriodicJob]:
    return PeriodicJob.objects.filter(enabled=True).order_by("name")


def job_get(name: str) -> PeriodicJob:
    """The job called `name`; KeyError naming the jobs there are otherwise."""
    job = PeriodicJob.objects.filter(name=name).first()
    if job is None:
        names = ", ".join(PeriodicJob.objects.order_by("name").values_list("name", flat=True)) or "none"
        raise KeyError(f"no job {name!r}; the jobs are: {names}")
    return job


def job_is_current(job: PeriodicJob) -> bool:
    """Whether `job` is still enabled at the version this copy of it was read at (one indexed read)."""
    return PeriodicJob.objects.filter(name=job.name, version=job.version, enabled=True).exists()


def jobs_revision() -> int:
    """The counter every change to the jobs bumps (see `JobsRevision`): one primary-key read."""
    return JobsRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0


def job_next_fire_times(job: PeriodicJob, n: int = 5, *, now: datetime | None = None) -> list[datetime]:
    """The next `n` fire times of `job` from `now`, by the trigger the daemon wakes up on (DST included).

    A paused job shows the fire times it would have once resumed.
    """
    return next_fire_times(job_trigger(job), now or timezone.now(), n)


def job_last_runs(job: PeriodicJob | str, n: int = 10, *, now: datetime | None = None) -> list[JobRun]:
    """The newest `n` runs of `job` whose fire time has come (scheduled or manual, any outcome), newest first.

    Each run's `delay` is how late it went out and its `message_id` is the task's in the task history.
    """
    name = job if isinstance(job, str) else job.name
    runs = JobRun.objects.filter(job=name, fire_time__lte=now or timezone.now()).order_by("-fire_time")
    return list(runs[:n])


def job_run_baseline(*, job: PeriodicJob, now: datetime) -> datetime | None:
    """The newest scheduled (not manual) fire time of `job` at or before `now`: catch-up looks from there.

    Only rows written since the job was created count: the history of an earlier job of the same name is not
    a fire time this one missed.
    """
    return (
        JobRun.objects.filter(job=job.name, manual=False, fire_time__lte=now, created_at__gte=job.created_at)
        .order_by("-fire_time")
        .values_list("fire_time", flat=True)
        .first()
    )


def job_run_at(*, job: str, fire_time: datetime) -> JobRun | None:
    return JobRun.objects.filter(job=job, fire_time=fire_time).first()


def jobs_with_due_runs(*, now: datetime) -> set[str]:
    """The names of the jobs with a registered or retrying run whose time has come: the daemon's sweep."""
    due = JobRun.objects.filter(outcome__in=JobRun.PENDING, fire_time__lte=now, manual=False)
    return set(due.values_list("job", flat=True).distinct())


def job_paused_warning(job: PeriodicJob) -> str:
    """The warning the admin and the dashboard show while a required job is paused; "" for any other job."""
    if job.enabled or not job.required:
        return ""
    since = f" since {timezone.localtime(job.paused_at):%Y-%m-%d %H:%M %Z}" if job.paused_at else ""
    return f"The job {job.name} is required by the project and has been paused{since}: its work waits until resumed."
