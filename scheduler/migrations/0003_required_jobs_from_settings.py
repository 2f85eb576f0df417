"""The two jobs of `scheduler/jobs.py` before jobs were rows become rows, with the crontabs their settings held.

A deployment that set `SCHEDULER_PURGE_CRON` or `SCHEDULER_PRUNE_CRON` keeps its schedule, on the wall clock of
`TIME_ZONE` as before. Self-contained on purpose (no import of the app's code, which will change): jobs declared
later are created by `scheduler.jobs.required_jobs_ensure` after `migrate`.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

JOBS = (
    # name, actor, setting, default crontab, description
    (
        "remove_snippets",
        "remove_snippets",
        "SCHEDULER_PURGE_CRON",
        "0 0 * * *",
        "Deletes expired snippets, unused tags and accounts never activated.",
    ),
    (
        "prune_task_history",
        "prune_task_history",
        "SCHEDULER_PRUNE_CRON",
        "30 0 * * *",
        "Deletes task history older than TASKHISTORY_RETENTION_DAYS.",
    ),
)


def jobs_from_settings(apps, schema_editor):
    PeriodicJob = apps.get_model("scheduler", "PeriodicJob")
    JobRun = apps.get_model("scheduler", "JobRun")
    JobsRevision = apps.get_model("scheduler", "JobsRevision")
    for name, actor, setting, default, description in JOBS:
        if PeriodicJob.objects.filter(name=name).exists():
            continue
        PeriodicJob.objects.create(
            name=name,
            actor=actor,
            kind="crontab",
            crontab=" ".join(getattr(settings, setting, default).split()),
            timezone=settings.TIME_ZONE,
            catch_up="once",
            description=description,
            required=True,
        )
        # Its ledger so far counts as its own, so that a run missed across the upgrade is still caught up.
        first_run = JobRun.objects.filter(job=name).order_by("created_at").values_list("created_at", flat=True).first()
        PeriodicJob.objects.filter(name=name).update(created_at=min(first_run or timezone.now(), timezone.now()))
    JobsRevision.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("scheduler", "0002_periodic_jobs")]

    operations = [migrations.RunPython(jobs_from_settings, migrations.RunPython.noop)]
