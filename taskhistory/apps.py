from django.apps import AppConfig


class TaskHistoryConfig(AppConfig):
    name = "taskhistory"
    verbose_name = "Task history"
