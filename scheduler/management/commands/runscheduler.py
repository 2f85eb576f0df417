import logging
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scheduler import selectors
from scheduler.daemon import SchedulerDaemon
from scheduler.services import job_run_now


class Command(BaseCommand):
    help = (
        "Run the scheduler daemon: it enqueues each job's Dramatiq message at its fire times, once, catching up a "
        "run missed while no daemon ran, and follows the jobs' edits within seconds. Start one or more; one leads, "
        "the others stand by."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", dest="list_jobs", help="Print the jobs and exit.")
        parser.add_argument("--run-now", metavar="JOB", help="Enqueue JOB at once, print its message id and exit.")

    def handle(self, *args, list_jobs=False, run_now=None, **options):
        if list_jobs:
            return self.list_jobs()
        if run_now:
            return self.run_now(run_now)
        daemon = SchedulerDaemon()
        signal.signal(signal.SIGTERM, daemon.request_stop)
        signal.signal(signal.SIGINT, daemon.request_stop)
        if not daemon.run():
            # A step hung past the grace time (e.g. a broker that accepts and never answers): exit now
            # anyway, since the interpreter would wait for that thread; the lease is already released.
            logging.shutdown()
            os._exit(0)

    def list_jobs(self):
        """One line per job: name, schedule, next fire time in TIME_ZONE (or "paused"), and the actor it enqueues."""
        now = timezone.now()
        local = timezone.get_default_timezone()
        rows = [("JOB", "SCHEDULE", f"NEXT RUN ({settings.TIME_ZONE})", "ACTOR")]
        for job in selectors.jobs_all():
            [next_time, *_] = selectors.job_next_fire_times(job, 1, now=now) or [None]
            if not job.enabled:
                when = "paused"
            else:
                when = f"{next_time.astimezone(local):%Y-%m-%d %H:%M}" if next_time else "never"
            rows.append((job.name, job.schedule, when, job.actor))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for *columns, actor in rows:
            padded = [cell.ljust(width) for cell, width in zip(columns, widths, strict=True)]
            self.stdout.write("  ".join([*padded, actor]))

    def run_now(self, name):
        try:
            job = selectors.job_get(name)
        except KeyError as error:
            raise CommandError(error.args[0]) from None
        try:
            run = job_run_now(job=job)
        except Exception as error:
            raise CommandError(
                f"Could not enqueue {job.name}: {type(error).__name__}: {error}. Is RabbitMQ up at RABBITMQ_URL?"
            ) from error
        self.stdout.write(run.message_id)
