"""How the daemon follows the job table: re-read the jobs when their revision moves, replace the wake-ups of the
jobs that changed, and catch up the ones edited or resumed. `SchedulerDaemon` (daemon.py) is built on it.

A primary-key read of the revision a second costs nothing whatever the number of jobs; on PostgreSQL a NOTIFY
(`listener.py`) wakes the sync at once and the read is only a safety net. The services have already withdrawn
what an old schedule registered, and claims hold only under a job's current version, so the few moments before
a sync can delay a fire time but never send one of the old schedule.
"""

import contextlib
import logging
import threading
import time
from datetime import datetime
from typing import NamedTuple

from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.base import BaseTrigger
from django.db import DatabaseError

from . import selectors
from .models import PeriodicJob
from .triggers import job_trigger

logger = logging.getLogger("scheduler.daemon")

SYNC_SECONDS = 1.0  # how often the jobs' revision is read when no NOTIFY can wake the daemon


class Entry(NamedTuple):
    """A job as this daemon last read it, with the trigger built from that very row."""

    job: PeriodicJob
    trigger: BaseTrigger


class JobTableFollower:
    """The job-table half of `SchedulerDaemon`: `entries` (job name -> Entry) and the APScheduler wake-ups."""

    def _init_following(self):
        self.entries = {}  # replaced whole by sync(), so that a step reads one version of a job
        self.revision = None
        self._synced_at = None
        self._sync_lock = threading.Lock()

    @property
    def jobs(self):
        return [entry.job for entry in self.entries.values()]

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
