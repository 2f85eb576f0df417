"""Writes to the scheduler's tables. Every claim is a conditional UPDATE or a unique insert, so two daemons
racing on the same row cannot both win; each function takes `now` so that tests can drive the clock."""

from datetime import timedelta

from django.db.models import Case, Exists, F, Q, Value, When

from .models import JobRun, SchedulerHeartbeat, SchedulerLease

LEASE_NAME = "scheduler"


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


def job_runs_supersede(*, job, before):
    """Mark the pending runs of `job` older than `before` skipped: only the latest missed run is caught up."""
    return JobRun.objects.filter(job=job, manual=False, outcome__in=JobRun.PENDING, fire_time__lt=before).update(
        outcome=JobRun.Outcome.SKIPPED, next_attempt_at=None
    )


def job_run_claim(*, run, holder, now, seconds):
    """Claim a pending run for one send attempt lasting at most `seconds`; True if this caller may send.

    Holds only while `holder` holds the lease. A run another daemon claimed can be taken over at once (that
    daemon has lost the lease); one this daemon claimed waits for its backoff or its attempt to end.
    """
    claimed = (
        JobRun.objects.filter(pk=run.pk, outcome__in=JobRun.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now) | ~Q(claimed_by=holder))
        .filter(_lease_held_by(holder, now))
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


def job_run_manual(*, job, message_id, now):
    """Record a `--run-now` message in the ledger beside the scheduled runs."""
    return JobRun.objects.create(
        job=job,
        fire_time=now,
        manual=True,
        outcome=JobRun.Outcome.ENQUEUED,
        attempts=1,
        message_id=message_id,
        enqueued_at=now,
    )
