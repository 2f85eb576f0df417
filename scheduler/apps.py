from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_required_jobs(sender, using="default", **kwargs):
    from .jobs import required_jobs_ensure

    if using == "default":
        required_jobs_ensure()


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = "Scheduler"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system check of every required job's crontab setting)

        # A required job declared in jobs.py gets its row after the next `migrate`, with no migration of its own.
        post_migrate.connect(_ensure_required_jobs, sender=self, dispatch_uid="scheduler.required_jobs")
