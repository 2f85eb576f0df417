from django.apps import AppConfig


class TaskHistoryConfig(AppConfig):
    name = "taskhistory"
    verbose_name = "Task history"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
