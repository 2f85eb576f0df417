"""Writes to the scheduler's tables. Every claim is a conditional UPDATE or a unique insert, so two daemons
racing on the same row cannot both win; each function takes `now` so that tests can drive the clock.

The jobs (`job_*` below) are changed here only: each change is validated (`validation.job_validate`, so that no
row the daemon cannot run is saved), bumps the job's `version` and the jobs' revision, wakes the daemons (NOTIFY
on PostgreSQL) and withdraws the fire times registered under the old schedule, all in one transaction.
"""

from datetime import datetime, timedelta

import dramatiq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, F, Q, Value, When
from django.utils import timezone

from .messages import job_message
from .models import JobRun, JobsRevision, PeriodicJob, SchedulerHeartbeat, SchedulerLease
from .triggers import job_trigger
from .validation import job_validate

LEASE_NAME = "scheduler"
NOTIFY_CHANNEL = "scheduler_jobs"
# What an operator may set on a job; the name is the job's identity in the ledger and is set once, at creation.
EDITABLE = (
    "actor",
    "args",
    "kwargs",
    "kind",
    "crontab",
    "timezone",
    "interval_seconds",
    "run_at",
    "enabled",
    "start_at",
    "end_at",
    "catch_up",
    "description",
)
SCHEDULE = ("kind", "crontab", "timezone", "interval_seconds", "run_at", "start_at", "end_at")


def job_create(
    *,
    name: str,
    actor: str,
    args: list | None = None,
    kwargs: dict | None = None,
    kind: str = PeriodicJob.Kind.CRONTAB,
    crontab: str = "",
    timezone: str = "",
    interval_seconds: int | None = None,
    run_at: datetime | None = None,
    enabled: bool = True,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
    catch_up: str = PeriodicJob.CatchUp.ONCE,
    description: str = "",
    required: bool = False,
    now: datetime | None = None,
) -> PeriodicJob:
    """Create a job; `ValidationError` (by field) when the daemon could not run it or the name is taken.

    A crontab without a time zone reads the wall clock of `TIME_ZONE`.
    """
    now = now or _now()
    job = PeriodicJob(
        name=name,
        actor=actor,
        args=[] if args is None else args,
        kwargs={} if kwargs is None else kwargs,
        kind=kind,
        crontab=" ".join(crontab.split()),
        timezone=timezone or settings.TIME_ZONE,
        interval_seconds=interval_seconds,
        run_at=run_at,
        enabled=enabled,
        start_at=start_at,
        end_at=end_at,
        catch_up=catch_up,
        description=description,
        required=required,
        paused_at=None if enabled else now,
    )
    _anchor(job, now)
    job_validate(job, now=now)
    try:
        with transaction.atomic():
            job.save()
            _job_changed(job, now=now)
    except IntegrityError:
        raise ValidationError({"name": [f"There is already a job called {name!r}."]}) from None
    return job


def job_update(*, job: PeriodicJob, now: datetime | None = None, **changes) -> PeriodicJob:
    """Change some of `EDITABLE` on `job`; the daemons follow within seconds. `ValidationError` when invalid."""
    if unknown := set(changes) - set(EDITABLE):
        raise TypeError(f"job_update cannot change {', '.join(sorted(unknown))}; it changes {', '.join(EDITABLE)}")
    now = now or _now()
    if "crontab" in changes:
        changes["crontab"] = " ".join(changes["crontab"].split())
    with transaction.atomic():
        job = PeriodicJob.objects.select_for_update().get(pk=job.pk)
        before = {field: getattr(job, field) for field in SCHEDULE}
        was_enabled = job.enabled
        for field, value in changes.items():
            setattr(job, field, value)
        schedule_changed = any(getattr(job, field) != value for field, value in before.items())
        if schedule_changed:
            _anchor(job, now, reset=True)
        if job.enabled != was_enabled:
            job.paused_at = None if job.enabled else now
        job_validate(job, now=now, schedule_changed=schedule_changed or (job.enabled and not was_enabled))
        job.version = F("version") + 1
        job.save()
        job.refresh_from_db()
        _job_changed(job, now=now)
    return job


def job_pause(*, job: PeriodicJob, now: datetime | None = None) -> PeriodicJob:
    """Stop firing `job` until resumed; the fire times it had registered are withdrawn."""
    return job_update(job=job, enabled=False, now=now)


def job_resume(*, job: PeriodicJob, now: datetime | None = None) -> PeriodicJob:
    """Fire `job` again; fire times missed while paused run once or not at all, as its catch-up policy says."""
    return job_update(job=job, enabled=True, now=now)


def job_delete(*, job: PeriodicJob, now: datetime | None = None) -> None:
    """Delete `job` (its ledger stays, as history); `ValidationError` for a job the project needs."""
    if job.required:
        raise ValidationError(
            f"{job.name} is required by the project: it can be rescheduled or paused, not deleted.", code="required"
        )
    with transaction.atomic():
        PeriodicJob.objects.filter(pk=job.pk, required=False).delete()
        job.enabled = False
        _job_changed(job, now=now or _now())


def job_run_now(*, job: PeriodicJob, broker: dramatiq.Broker | None = None, now: datetime | None = None) -> JobRun:
    """Send `job`'s message at once, outside its schedule (even while paused), and record it in the ledger.

    The one way a manual run is sent: `runscheduler --run-now` and the dashboard call it. Raises whatever the
    broker raises when the send fails (nothing is recorded then).
    """
    message = job_message(job)
    (broker or dramatiq.get_broker()).enqueue(message)
    return job_run_manual(job=job.name, message_id=message.message_id, now=now or _now())


def job_check(*, job: PeriodicJob, now: datetime | None = None) -> PeriodicJob:
    """`job` as a form built it (a new row, or a saved one with unsaved changes), anchored and validated as
    `job_create` or `job_update` would; `ValidationError` by field. Writes nothing.

    Forms call it so that their errors, and the fire times they preview, are the services' own; the save that
    follows goes through `job_create` or `job_update`, which check again under the row's lock.
    """
    now = now or _now()
    job.crontab = " ".join(job.crontab.split())
    job.timezone = job.timezone or settings.TIME_ZONE
    saved = PeriodicJob.objects.filter(pk=job.pk).first() if job.pk else None
    if saved is None:
        _anchor(job, now)
        job_validate(job, now=now)
        return job
    schedule_changed = any(getattr(job, field) != getattr(saved, field) for field in SCHEDULE)
    _anchor(job, now, reset=schedule_changed)
    job_validate(job, now=now, schedule_changed=schedule_changed or (job.enabled and not saved.enabled))
    return job


def _now():
    return timezone.now()


def _anchor(job, now, *, reset=False):
    """An interval counts from its start, or from the moment it was set: one anchor that every daemon shares."""
    if job.kind != PeriodicJob.Kind.INTERVAL:
        job.anchor_at = None
    elif job.start_at is not None:
        job.anchor_at = job.start_at
    elif reset or job.anchor_at is None:
        job.anchor_at = now.replace(microsecond=0)


def _job_changed(job, *, now):
    """Withdraw what the old schedule registered, register the new next fire time, and wake the daemons."""
    unsent = JobRun.objects.filter(job=job.name, manual=False)
    unsent.filter(outcome=JobRun.Outcome.SCHEDULED, attempts=0).delete()
    if not job.enabled:
        unsent.filter(outcome__in=JobRun.PENDING).update(outcome=JobRun.Outcome.SKIPPED, next_attempt_at=None)
    else:
        next_time = job_trigger(job).get_next_fire_time(None, now)
        if next_time is not None:
            job_run_register_ahead(job=job.name, fire_time=next_time)
    JobsRevision.objects.bulk_create([JobsRevision(pk=1)], ignore_conflicts=True)
    JobsRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")  # delivered at commit, and not at all on a rollback


def lease_acquire(*, holder, now, seconds):
    """Take or renew the lease for `seconds` if it is free, expired or already `holder`'s; True if held."""
    SchedulerLease.objects.bulk_create([SchedulerLease(name=LEASE_NAME)], ignore_conflicts=True)
    taken = (
        SchedulerLease.objects.filter(name=LEASE_NAME)
        .filter(Q(holder=holder) | Q(expires_at__isnull=True) | Q(expires_at__lte=now))
        .update(
            holder=holder,
            expires_at=now + timedelta(seconds=seconds),
            acquired_at=Case(When(holder=holder, then=F("acquired_at")), default=Value(now)),
        )
    )
    return taken == 1


def lease_release(*, holder, now):
    """Give the lease up at once (a clean stop), so that a standby need not wait for it to expire."""
    SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder).update(holder="", expires_at=now)


def _lease_held_by(holder, now):
    return Exists(SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder, expires_at__gt=now))


def heartbeat_record(*, instance, hostname, pid, started_at, now, leading):
    SchedulerHeartbeat.objects.update_or_create(
        instance=instance,
        defaults={"hostname": hostname, "pid": pid, "started_at": started_at, "beat_at": now, "leading": leading},
    )


def heartbeat_stop(*, instance, now):
    SchedulerHeartbeat.objects.filter(instance=instance).update(stopped_at=now, beat_at=now, leading=False)


def heartbeats_prune(*, before):
    """Forget daemons not seen since `before`."""
    SchedulerHeartbeat.objects.filter(beat_at__lt=before).delete()


def job_run_register(*, job, fire_time):
    """The ledger row of `job` at `fire_time`, inserted as scheduled unless it exists (unique insert)."""
    run = JobRun.objects.filter(job=job, fire_time=fire_time).first()
    if run is None:
        JobRun.objects.bulk_create([JobRun(job=job, fire_time=fire_time)], ignore_conflicts=True)
        run = JobRun.objects.get(job=job, fire_time=fire_time)
    return run


def job_run_register_ahead(*, job, fire_time):
    """Register the next fire time of `job` (a unique insert that does nothing when the row exists)."""
    JobRun.objects.bulk_create([JobRun(job=job, fire_time=fire_time)], ignore_conflicts=True)


def job_runs_supersede(*, job, before, version):
    """Mark the pending runs of `job` older than `before` skipped: at most the latest missed run is caught up.

    Only while the job is still at `version`: a daemon that has not seen an edit yet must not skip runs that
    the new schedule registered.
    """
    pending = JobRun.objects.filter(job=job, manual=False, outcome__in=JobRun.PENDING, fire_time__lt=before)
    current = Exists(PeriodicJob.objects.filter(name=job, version=version))
    return pending.filter(current).update(outcome=JobRun.Outcome.SKIPPED, next_attempt_at=None)


def job_run_claim(*, run, holder, now, seconds, version):
    """Claim a pending run for one send attempt lasting at most `seconds`; True if this caller may send.

    Holds only while `holder` holds the lease, and while the job is still enabled at the `version` the caller
    builds the message from: a daemon that has not yet seen an edit cannot send under the old schedule. A run
    another daemon claimed can be taken over at once (that daemon has lost the lease); one this daemon claimed
    waits for its backoff or its attempt to end.
    """
    claimed = (
        JobRun.objects.filter(pk=run.pk, outcome__in=JobRun.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now) | ~Q(claimed_by=holder))
        .filter(_lease_held_by(holder, now))
        .filter(Exists(PeriodicJob.objects.filter(name=run.job, version=version, enabled=True)))
        .update(
            claimed_by=holder,
            attempts=F("attempts") + 1,
            next_attempt_at=now + timedelta(seconds=seconds),
        )
    )
    return claimed == 1


def job_run_enqueued(*, run, holder, message_id, now):
    """Record a sent message; False if another daemon claimed the run meanwhile (it may send a duplicate)."""
    return bool(
        JobRun.objects.filter(pk=run.pk, claimed_by=holder).update(
            outcome=JobRun.Outcome.ENQUEUED, message_id=message_id, enqueued_at=now, next_attempt_at=None
        )
    )


def job_run_failed(*, run, holder, message_id, error, retry_at):
    """Record a failed send and when to try again; the message id is kept so that retries reuse it."""
    JobRun.objects.filter(pk=run.pk, claimed_by=holder, outcome__in=JobRun.PENDING).update(
        outcome=JobRun.Outcome.RETRYING, message_id=message_id, last_error=error[:2000], next_attempt_at=retry_at
    )


def job_run_failed_for_good(*, run, holder, error):
    """Record a permanent failure (the actor or its arguments are gone): visible once, never retried."""
    JobRun.objects.filter(pk=run.pk, claimed_by=holder, outcome__in=JobRun.PENDING).update(
        outcome=JobRun.Outcome.FAILED, last_error=error[:2000], next_attempt_at=None
    )


def job_run_manual(*, job, message_id, now):
    """Record a manual run's message in the ledger beside the scheduled runs."""
    return JobRun.objects.create(
        job=job,
        fire_time=now,
        manual=True,
        outcome=JobRun.Outcome.ENQUEUED,
        attempts=1,
        message_id=message_id,
        enqueued_at=now,
    )
