import logging
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scheduler.daemon import SchedulerDaemon
from scheduler.jobs import declared_jobs, job_get


class Command(BaseCommand):
    help = (
        "Run the scheduler daemon: it enqueues each job's Dramatiq message at its cron fire times, once, "
        "catching up a run missed while no daemon ran. Start one or more; one leads, the others stand by."
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
        """One line per job: name, cron expression, next fire time in TIME_ZONE, and the actor it enqueues."""
        now = timezone.now()
        rows = [("JOB", "CRON", f"NEXT RUN ({settings.TIME_ZONE})", "ACTOR")]
        for job in declared_jobs():
            next_time = job.trigger().get_next_fire_time(None, now)
            rows.append((job.name, job.cron, f"{next_time:%Y-%m-%d %H:%M}" if next_time else "never", job.actor))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for *columns, actor in rows:
            padded = [cell.ljust(width) for cell, width in zip(columns, widths, strict=True)]
            self.stdout.write("  ".join([*padded, actor]))

    def run_now(self, name):
        try:
            job = job_get(name)
        except KeyError as error:
            raise CommandError(error.args[0]) from None
        try:
            message = SchedulerDaemon([job]).run_now(job)
        except Exception as error:
            raise CommandError(
                f"Could not enqueue {job.name}: {type(error).__name__}: {error}. Is RabbitMQ up at RABBITMQ_URL?"
            ) from error
        self.stdout.write(message.message_id)
