from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = "Scheduler"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system check of every job's cron expression)
