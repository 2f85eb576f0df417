"""The scheduler daemon as the dashboard shows it: its jobs, their runs in the ledger, its heartbeats.

Reads the scheduler app (its selectors, models, triggers) and never writes its tables: running a job now goes
through `scheduler.services.job_run_now` (scheduler_job_run below), which records it in the ledger exactly like
`runscheduler --run-now`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from scheduler import selectors as scheduler_selectors
from scheduler.cron import latest_fire_time
from scheduler.models import JobRun, SchedulerHeartbeat, SchedulerLease
from scheduler.triggers import job_trigger
from taskhistory.middleware import history_flush
from taskhistory.models import Task
from taskhistory.services import ActionError
from taskhistory.statuses import Status

HEARTBEAT_RED_AFTER = dt.timedelta(minutes=2)
# A fire time with no message sent this long after it is a missed run.
MISSED_AFTER = dt.timedelta(minutes=2)
# How far back to look for a job's latest fire time (a monthly job included).
LOOK_BACK = dt.timedelta(days=32)
DAEMONS_SHOWN_FOR = dt.timedelta(days=1)
RECENT_RUNS = 20


@dataclass
class JobState:
    name: str
    cron: str
    schedule: str  # in words, with a crontab's time zone
    actor: str
    enabled: bool
    required: bool
    next_fire_time: dt.datetime | None
    due_fire_time: dt.datetime | None  # the latest fire time that should have run by now
    due_run: JobRun | None
    last_run: JobRun | None  # the newest run whose fire time has come (scheduled or manual)
    last_task: Task | None  # the dashboard's record of the message that run sent
    missed: bool


@dataclass
class SchedulerState:
    now: dt.datetime
    jobs: list
    daemons: list
    lease: SchedulerLease | None
    heartbeat_age: float | None  # seconds since the newest heartbeat of a daemon still running
    recent_runs: list
    tasks_by_message: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # paused required jobs: on purpose, yet worth a red line

    @property
    def healthy(self):
        return not self.problems

    @property
    def summary(self):
        return " ".join(self.problems) or "A daemon is alive, and every job's latest due run went out."


def _job_state(job, now):
    """A job's line on the page; a paused job has no next run and cannot miss one."""
    trigger = job_trigger(job)
    runs = JobRun.objects.filter(job=job.name)
    first_registered = runs.order_by("created_at").values_list("created_at", flat=True).first()
    due = latest_fire_time(trigger, now - MISSED_AFTER, since=now - LOOK_BACK) if job.enabled else None
    if due is not None and (first_registered is None or due < first_registered):
        due = None  # before any scheduler knew of this job: nothing could have run it
    due_run = runs.filter(fire_time=due, manual=False).first() if due else None
    last_run = runs.filter(fire_time__lte=now).order_by("-fire_time").first()
    sent = last_run.message_id if last_run else ""
    last_task = Task.objects.filter(message_id=sent).first() if sent else None
    return JobState(
        name=job.name,
        cron=job.crontab or job.schedule,
        schedule=job.schedule,
        actor=job.actor,
        enabled=job.enabled,
        required=job.required,
        next_fire_time=trigger.get_next_fire_time(None, now) if job.enabled else None,
        due_fire_time=due,
        due_run=due_run,
        last_run=last_run,
        last_task=last_task,
        missed=due is not None and (due_run is None or due_run.outcome != JobRun.Outcome.ENQUEUED),
    )


def _heartbeat_age(daemons, now):
    newest = max((daemon.beat_at for daemon in daemons if daemon.stopped_at is None), default=None)
    return max((now - newest).total_seconds(), 0.0) if newest else None


def _recent_daemons(now):
    return list(SchedulerHeartbeat.objects.filter(beat_at__gte=now - DAEMONS_SHOWN_FOR).order_by("-beat_at"))


def scheduler_heartbeat_age(*, now: dt.datetime | None = None) -> float | None:
    """Seconds since the newest heartbeat of a daemon still running; None when none runs."""
    now = now or timezone.now()
    return _heartbeat_age(_recent_daemons(now), now)


def scheduler_state(*, now=None):
    """Everything the scheduler page shows, with the reasons (if any) to show it in red."""
    now = now or timezone.now()
    daemons = _recent_daemons(now)
    age = _heartbeat_age(daemons, now)
    all_jobs = list(scheduler_selectors.jobs_all())
    jobs = [_job_state(job, now) for job in all_jobs]
    recent = list(JobRun.objects.filter(fire_time__lte=now).order_by("-fire_time")[:RECENT_RUNS])
    message_ids = [run.message_id for run in recent if run.message_id]
    state = SchedulerState(
        now=now,
        jobs=jobs,
        daemons=daemons,
        lease=SchedulerLease.objects.first(),
        heartbeat_age=age,
        recent_runs=recent,
        tasks_by_message={task.message_id: task for task in Task.objects.filter(message_id__in=message_ids)},
        warnings=[warning for job in all_jobs if (warning := scheduler_selectors.job_paused_warning(job))],
    )
    if age is None:
        state.problems.append("No scheduler daemon is running (none has written a heartbeat and is still up).")
    elif age > HEARTBEAT_RED_AFTER.total_seconds():
        state.problems.append(f"The newest scheduler heartbeat is {age:.0f} s old: the daemon looks dead or stuck.")
    for job in jobs:
        if job.missed:
            when = timezone.localtime(job.due_fire_time).strftime("%Y-%m-%d %H:%M %Z")
            state.problems.append(f"{job.name}: the run due at {when} was missed (no message was sent).")
    return state


@dataclass
class JobHealth:
    name: str
    last_success_at: dt.datetime | None  # when the newest run whose task succeeded finished
    missed: bool


SUCCESS_LOOK_BACK_RUNS = 50


def jobs_health(*, now: dt.datetime | None = None) -> list[JobHealth]:
    """Per enabled job: the last run that went out and succeeded (per task history), and whether one was missed."""
    now = now or timezone.now()
    health = []
    for job in scheduler_selectors.jobs_enabled():
        state = _job_state(job, now)
        sent = JobRun.objects.filter(job=job.name, outcome=JobRun.Outcome.ENQUEUED).exclude(message_id="")
        message_ids = list(sent.order_by("-fire_time").values_list("message_id", flat=True)[:SUCCESS_LOOK_BACK_RUNS])
        succeeded = Task.objects.filter(message_id__in=message_ids, status=Status.SUCCEEDED)
        last = succeeded.aggregate(at=Max("finished_at"))["at"]
        health.append(JobHealth(name=job.name, last_success_at=last, missed=state.missed))
    return health


def scheduler_job_run(*, job_name: str) -> tuple[str, JobRun | None]:
    """Enqueue a scheduler job at once, as `runscheduler --run-now JOB` does; returns the message id and the ledger
    row `scheduler.services.job_run_now` wrote for it."""
    from scheduler.services import job_run_now

    try:
        job = scheduler_selectors.job_get(job_name)
    except KeyError as error:
        raise ActionError(error.args[0]) from None
    try:
        run = job_run_now(job=job)
    except Exception as error:
        raise ActionError(f"Could not enqueue {job.name}: {type(error).__name__}: {error}") from error
    history_flush()
    return run.message_id, run
