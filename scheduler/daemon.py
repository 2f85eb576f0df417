"""The scheduler daemon: APScheduler says when; the ledger and the lease make each fire time run exactly once.

Why an APScheduler `BlockingScheduler` with a memory job store plus a ledger of our own:

- APScheduler's persistent job stores must never be shared by two schedulers, nothing in 3.x stops a second
  instance, and re-adding a stored job at start with `replace_existing=True` discards its missed run. So the
  jobs live in `PeriodicJob` rows that only the services write, each daemon keeps its wake-ups in memory, and
  what has *happened* lives in `JobRun`, which every daemon shares and which survives restarts.
- The daemon follows edits without a restart: `sync()` reads the jobs again when their revision moves (a
  primary-key read a second, or at once on a PostgreSQL NOTIFY, `listener.py`) and replaces the wake-ups of the
  jobs that changed. The services withdraw what the old schedule registered, and a claim holds only under the
  job's current `version`, so a daemon that has not seen an edit yet cannot send under the old schedule.
- APScheduler does what it is good at: waking up at the right instant (`triggers.py`: crontabs on the wall clock
  of their time zone, intervals, one-offs), retry times, and the heartbeat and the sync, which have a thread of
  their own so that a slow send never delays them. `misfire_grace_time=None` and `coalesce=True`: a late wake-up
  still runs, once.
- Every wake-up calls the same idempotent step, `run_due(name)`: take the latest fire time that is due, looking
  from the ledger's newest row on; make sure its row exists (unique insert); claim it (a conditional UPDATE
  that holds only under the lease and the job's version); send; record. An on-time run, a missed run caught up
  at start, after a takeover or a resume, and a retry are one code path, and a duplicate wake-up finds the row
  enqueued and does nothing. A job whose policy is "skip" skips a fire time missed by more than two lease
  lengths (downtime, a pause) instead of sending it late.
- Only the holder of the lease sends. The lease is a row with an expiry taken by conditional UPDATE, the same
  on SQLite and PostgreSQL; a PostgreSQL advisory lock would need a second code path and lives on one
  connection, which Django may close and reopen under us.
- A failed send never raises out of a job (APScheduler would simply wait for the next fire time, tomorrow):
  it is recorded and retried with backoff (1 s, 2 s, 4 s … at most 60 s) until it succeeds or a later fire
  time of the same job supersedes it.

Delivery is at least once: a daemon that stalls for longer than the lease between its claim and its send can
send a message its successor sends too. Every scheduled actor is idempotent.
"""

import contextlib
import functools
import logging
import os
import secrets
import signal
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import dramatiq
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils import timezone

from . import selectors, services
from .cron import latest_fire_time
from .messages import job_message
from .models import JobRun, PeriodicJob, SchedulerLease
from .triggers import job_trigger

logger = logging.getLogger(__name__)

RETRY_MAX_SECONDS = 60
STOP_GRACE_SECONDS = 3.0  # a running step may finish this long after SIGTERM; the process ends within 5 s
HEARTBEAT_KEEP = timedelta(days=7)
SYNC_SECONDS = 1.0  # how often the jobs' revision is read when no NOTIFY can wake the daemon


class Entry(NamedTuple):
    """A job as this daemon last read it, with the trigger built from that very row."""

    job: PeriodicJob
    trigger: BaseTrigger


def retry_delay(attempts):
    """Seconds before the next send after `attempts` failed ones: 1, 2, 4 … doubling, at most a minute."""
    return min(RETRY_MAX_SECONDS, 2 ** max(attempts - 1, 0))


class SchedulerDaemon:
    """One daemon process. `handle()` of `runscheduler` calls `run()`; tests call the steps directly.

    The steps: `sync()` (follow the job table), `heartbeat()` (lease and liveness), `run_due(name)` (enqueue a
    due fire time once), `catch_up()` (run_due for every job), `sweep()` (run_due for the jobs with a run left
    due), `shutdown()`. A manual run is `services.job_run_now`.
    """

    def __init__(self, *, clock=timezone.now, broker=None, lease_seconds=None, listen=None):
        self.entries = {}  # job name -> Entry; replaced whole by sync(), so a step reads one version of a job
        self.revision = None
        self.clock = clock
        self.broker = broker
        self.lease_seconds = lease_seconds or settings.SCHEDULER_LEASE_SECONDS
        self.beat_seconds = max(1.0, self.lease_seconds / 3)
        self.misfire_grace = timedelta(seconds=2 * self.lease_seconds)
        self.timezone = ZoneInfo(settings.TIME_ZONE)
        self.hostname, self.pid = socket.gethostname(), os.getpid()
        self.instance = f"{self.hostname}:{self.pid}:{secrets.token_hex(3)}"
        self.started_at = clock()
        self.leading = None  # unknown until the first heartbeat
        self.stopping = False
        self.scheduler = None
        self.listener = None
        self.listen = connection.vendor == "postgresql" if listen is None else listen
        self._synced_at = None
        self._sync_lock = threading.Lock()
        self._running_steps = 0
        self._idle = threading.Condition()

    @property
    def jobs(self):
        return [entry.job for entry in self.entries.values()]

    def local(self, moment):
        return f"{moment.astimezone(self.timezone):%Y-%m-%d %H:%M:%S %Z}"

    # --- the loop -------------------------------------------------------------------------------------

    def run(self):
        """Set up, then let APScheduler's loop run until `request_stop()`; returns whether it ended idle."""
        self.scheduler = self.build_scheduler()
        self.sync()
        logger.info(
            "Scheduler %s starting: %d enabled job(s), time zone %s, lease %d s, heartbeat every %g s, %s.",
            self.instance,
            len(self.entries),
            self.timezone,
            self.lease_seconds,
            self.beat_seconds,
            "job changes by LISTEN/NOTIFY" if self.listen else f"job changes checked every {SYNC_SECONDS:g} s",
        )
        services.heartbeats_prune(before=self.clock() - HEARTBEAT_KEEP)
        self.heartbeat()
        for name in sorted(self.entries):
            self.log_next_fire_time(name)
        connections.close_all()  # the steps run on threads with their own; this one would only go stale
        if self.listen:
            from .listener import JobsListener  # psycopg is needed only where PostgreSQL is

            self.listener = JobsListener(self.sync_soon)
            self.listener.start()
        if not self.stopping:
            self.scheduler.start()  # blocks until request_stop() shuts it down
        return self.shutdown()

    def build_scheduler(self):
        scheduler = BlockingScheduler(
            timezone=self.timezone,
            jobstores={"default": MemoryJobStore()},
            executors={
                "default": ThreadPoolExecutor(1),
                "heartbeat": ThreadPoolExecutor(1),
                "sync": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        every_beat = IntervalTrigger(seconds=self.beat_seconds, timezone=self.timezone)
        scheduler.add_job(self._threaded(self.heartbeat), every_beat, id="heartbeat", executor="heartbeat")
        scheduler.add_job(
            self._threaded(self.sync),
            IntervalTrigger(seconds=SYNC_SECONDS, timezone=self.timezone),
            id="sync",
            executor="sync",
        )
        scheduler.add_job(self._threaded(self.sweep), every_beat, id="sweep")
        scheduler.add_job(self._threaded(self.catch_up), id="catch-up", next_run_time=datetime.now(self.timezone))
        return scheduler

    def request_stop(self, signum=None, frame=None):
        """The SIGTERM/SIGINT handler: set the flag; the loop ends and `run()` cleans up."""
        if self.stopping:
            return
        self.stopping = True
        logger.info("Scheduler %s stopping (%s).", self.instance, signal.Signals(signum).name if signum else "asked")
        # shutdown() takes locks that the interrupted main loop may hold: call it from a thread of its own.
        threading.Thread(target=self._stop_scheduler, daemon=True).start()

    def _stop_scheduler(self):
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            try:
                self.scheduler.shutdown(wait=False)
                return
            except (SchedulerNotRunningError, AttributeError):
                time.sleep(0.05)  # the signal came while run() was still starting the scheduler

    def shutdown(self):
        """Let a running step finish (briefly), give the lease up, record the stop; True if no step was left."""
        if self.listener is not None:
            self.listener.stop()
        with self._idle:
            idle = self._idle.wait_for(lambda: self._running_steps == 0, timeout=STOP_GRACE_SECONDS)
        try:
            now = self.clock()
            services.lease_release(holder=self.instance, now=now)
            services.heartbeat_stop(instance=self.instance, now=now)
        except DatabaseError:
            logger.exception("Could not record the stop; the lease expires on its own.")
        if not idle:
            logger.warning("A step was still running after %g s; exiting without it.", STOP_GRACE_SECONDS)
        logger.info("Scheduler %s stopped.", self.instance)
        return idle

    def _threaded(self, step):
        """`step` as an APScheduler job: counted for shutdown, with fresh database connections around it."""

        @functools.wraps(step)
        def job(*args):
            with self._idle:
                self._running_steps += 1
            close_old_connections()
            try:
                return step(*args)
            finally:
                close_old_connections()
                with self._idle:
                    self._running_steps -= 1
                    self._idle.notify_all()

        return job

    # --- the steps ------------------------------------------------------------------------------------

    def heartbeat(self):
        """Take or renew the lease and record this daemon as alive; returns whether it leads."""
        now = self.clock()
        try:
            leading = services.lease_acquire(holder=self.instance, now=now, seconds=self.lease_seconds)
            services.heartbeat_record(
                instance=self.instance,
                hostname=self.hostname,
                pid=self.pid,
                started_at=self.started_at,
                now=now,
                leading=leading,
            )
        except DatabaseError:
            logger.exception("Heartbeat failed: the database does not answer; no job fires until it does.")
            leading = False
        if leading != self.leading:
            self._log_leadership(leading)
            if leading:
                self._soon(self.catch_up, "catch-up")
        self.leading = leading
        return leading

    def _log_leadership(self, leading):
        if leading:
            logger.info("Scheduler %s leads: it fires the jobs.", self.instance)
            return
        try:
            lease = SchedulerLease.objects.filter(name=services.LEASE_NAME, expires_at__isnull=False).first()
        except DatabaseError:
            lease = None
        holder = f"{lease.holder} holds the lease until {self.local(lease.expires_at)}" if lease else "lease unknown"
        if self.leading:
            logger.warning("Scheduler %s lost the lease (%s): standing by.", self.instance, holder)
        else:
            logger.info("Scheduler %s standing by: %s.", self.instance, holder)

    def sync(self):
        """Read the jobs again if their revision moved; replace the wake-ups of the jobs that changed.

        A job that was edited or resumed is then run through `run_due` at once: a fire time missed while paused
        (or refused while this daemon's copy was stale) is caught up if its policy says so. Returns the names of
        the jobs that changed.
        """
        with self._sync_lock:
            listening = self.listener is not None and self.listener.listening and self._synced_at is not None
            if listening and time.monotonic() - self._synced_at < self.beat_seconds:
                return []  # NOTIFY wakes us on a change: the revision is only read as a safety net
            self._synced_at = time.monotonic()
            try:
                revision = selectors.jobs_revision()
                if revision == self.revision:
                    return []
                rows = {job.name: job for job in selectors.jobs_enabled()}
            except DatabaseError:
                logger.exception("Could not read the jobs; keeping the schedule this daemon has.")
                return []
            changed = self._apply(rows)
            self.revision = revision
        for name in changed:
            if name in self.entries:
                self.log_next_fire_time(name)
                if self.entries[name].job.version > 1:  # a new job has nothing to catch up: its wake-up will do
                    self._soon(self.run_due, f"changed:{name}", name)
        return changed

    def sync_soon(self):
        """Run `sync` now rather than at its next second (the listener's callback)."""
        self._synced_at = None
        if self.scheduler is not None and self.scheduler.running and not self.stopping:
            self.scheduler.modify_job("sync", next_run_time=datetime.now(self.timezone))

    def _apply(self, rows):
        entries = dict(self.entries)
        changed = []
        for name in set(entries) - set(rows):
            del entries[name]
            self._unschedule(name)
            changed.append(name)
            logger.info("Job %s was paused or deleted: its wake-ups are withdrawn.", name)
        for name, job in rows.items():
            current = entries.get(name)
            if current is not None and current.job.version == job.version:
                continue
            try:
                entries[name] = Entry(job, job_trigger(job))
            except ValueError as error:  # the services never save such a row; one written by hand is skipped
                logger.error("Job %s cannot be scheduled (%s): skipped until it is fixed.", name, error)
                entries.pop(name, None)
                self._unschedule(name)
                continue
            changed.append(name)
            self._schedule(name, entries[name].trigger)
        self.entries = entries
        return changed

    def _schedule(self, name, trigger):
        if self.scheduler is not None:
            self.scheduler.add_job(
                self._threaded(self.run_due), trigger, args=[name], id=f"job:{name}", replace_existing=True
            )

    def _unschedule(self, name):
        if self.scheduler is None:
            return
        for job_id in (f"job:{name}", f"retry:{name}", f"changed:{name}"):
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id)

    def _soon(self, step, job_id, *args):
        """Run `step` once on the jobs' thread as soon as it is free (coalesced by `job_id`)."""
        if self.scheduler is not None and self.scheduler.running and not self.stopping:
            self.scheduler.add_job(
                self._threaded(step),
                DateTrigger(run_date=datetime.now(self.timezone)),
                args=args,
                id=job_id,
                replace_existing=True,
            )

    def catch_up(self):
        """`run_due` for every job: missed runs at start and after a takeover, and retries that are due."""
        if self.stopping or not self.leading:
            return []
        sent = [run for name in sorted(self.entries) if (run := self.run_due(name)) is not None]
        logger.info("Caught up: %d job(s) checked, %d run(s) sent.", len(self.entries), len(sent))
        return sent

    def sweep(self):
        """`run_due` for the jobs whose ledger has a run due and not sent (a retry, a run another daemon left).

        One indexed query when there is none, whatever the number of jobs.
        """
        if self.stopping or not self.leading:
            return []
        # Runs due within the last beat are their wake-ups' to send: the sweep is for the ones left behind.
        due = selectors.jobs_with_due_runs(now=self.clock() - timedelta(seconds=self.beat_seconds)) & set(self.entries)
        return [run for name in sorted(due) if (run := self.run_due(name)) is not None]

    def run_due(self, name):
        """Enqueue the latest due fire time of job `name` unless the ledger shows it done; returns the run sent.

        Looks from the ledger's newest row at or before now, so after any downtime only the latest missed
        fire time runs (older pending ones are marked skipped), or none if the job's policy is "skip" and it was
        missed by more than the grace. Also registers the next fire time, which is how a daemon started after
        it knows it was missed.
        """
        if self.stopping or not self.leading:
            return None
        entry = self.entries.get(getattr(name, "name", name))
        if entry is None:
            return None
        job, trigger = entry
        if not selectors.job_is_current(job):
            self.sync_soon()  # edited or paused since this daemon read it: read it again rather than act on it
            return None
        now = self.clock()
        baseline = selectors.job_run_baseline(job=job, now=now)
        due = latest_fire_time(trigger, now, since=baseline) if baseline else None
        if skipped := services.job_runs_supersede(job=job.name, before=due or now, version=job.version):
            logger.warning(
                "%s: %d missed run(s) skipped; at most the latest fire time is caught up.", job.name, skipped
            )
        sent = None
        if due is not None and job.catch_up == PeriodicJob.CatchUp.SKIP and self._missed(job, due, now):
            services.job_runs_supersede(job=job.name, before=now, version=job.version)
            logger.warning("%s: the run due at %s was missed; its policy skips it.", job.name, self.local(due))
        elif due is not None:
            run = services.job_run_register(job=job.name, fire_time=due)
            if run.outcome in JobRun.PENDING:
                sent = self._send(job, run)
        next_time = trigger.get_next_fire_time(now, now)
        if next_time is not None:
            services.job_run_register_ahead(job=job.name, fire_time=next_time)
        if sent is not None:
            self.log_next_fire_time(job.name)
        return sent

    def _missed(self, job, due, now):
        """Whether `due` is a missed fire time rather than one running a little late: it was never registered
        ahead (it fell in a pause or before a resume), or it was and nobody tried it for longer than the grace."""
        run = selectors.job_run_at(job=job.name, fire_time=due)
        return run is None or (run.attempts == 0 and now - due > self.misfire_grace)

    def _send(self, job, run):
        claimed = services.job_run_claim(
            run=run, holder=self.instance, now=self.clock(), seconds=self.lease_seconds, version=job.version
        )
        if not claimed:
            return None
        attempt = run.attempts + 1
        message = None
        try:
            message = job_message(job, message_id=run.message_id)
        except dramatiq.errors.ActorNotFound as error:  # permanent: a deploy removed the actor; retrying cannot help
            services.job_run_failed_for_good(run=run, holder=self.instance, error=f"ActorNotFound: {error}")
            logger.error(
                "%s for %s: the actor %r is gone; the run failed.", job.name, self.local(run.fire_time), job.actor
            )
            return None
        try:
            self.send(message)
        except Exception as error:  # every failure is retried: none may end the daemon or wait for tomorrow
            retry_at = self.clock() + timedelta(seconds=retry_delay(attempt))
            services.job_run_failed(
                run=run,
                holder=self.instance,
                message_id=message.message_id if message else "",
                error=f"{type(error).__name__}: {error}",
                retry_at=retry_at,
            )
            transient = isinstance(error, (dramatiq.errors.BrokerConnectionError, OSError))
            logger.log(
                logging.WARNING if transient else logging.ERROR,
                "%s for %s: enqueue attempt %d failed (%s: %s); retrying at %s.",
                job.name,
                self.local(run.fire_time),
                attempt,
                type(error).__name__,
                error,
                self.local(retry_at),
                exc_info=not transient,
            )
            self._schedule_retry(job, retry_at)
            return None
        now = self.clock()
        if not services.job_run_enqueued(run=run, holder=self.instance, message_id=message.message_id, now=now):
            logger.warning(
                "%s for %s: sent message %s, but another daemon took the run over meanwhile; "
                "it may be enqueued twice (scheduled actors are idempotent).",
                job.name,
                self.local(run.fire_time),
                message.message_id,
            )
        logger.info(
            "Enqueued %s for %s as message %s (attempt %d, %.1f s after its fire time).",
            job.name,
            self.local(run.fire_time),
            message.message_id,
            attempt,
            (now - run.fire_time).total_seconds(),
        )
        run.outcome, run.attempts, run.claimed_by = JobRun.Outcome.ENQUEUED, attempt, self.instance
        run.message_id, run.enqueued_at, run.next_attempt_at = message.message_id, now, None
        return run

    def _schedule_retry(self, job, retry_at):
        if self.scheduler is not None and self.scheduler.running and not self.stopping:
            self.scheduler.add_job(
                self._threaded(self.run_due),
                DateTrigger(run_date=retry_at),
                args=[job.name],
                id=f"retry:{job.name}",
                replace_existing=True,
            )

    # --- messages -------------------------------------------------------------------------------------

    def send(self, message):
        return (self.broker or dramatiq.get_broker()).enqueue(message)

    def log_next_fire_time(self, name):
        entry = self.entries.get(name)
        if entry is None:
            return
        next_time = entry.trigger.get_next_fire_time(None, self.clock())
        logger.info(
            "Job %s (%s) enqueues %s; next fire time %s.",
            name,
            entry.job.schedule,
            entry.job.actor,
            self.local(next_time) if next_time else "never",
        )
