"""The dashboard reads task history (taskhistory.models); its own table records bulk operations."""

from django.conf import settings
from django.db import models

from taskhistory.models import Task as HistoryTask


class Task(HistoryTask):
    """Holds the `dashboard.operate` permission (what lets staff act, not only look); named Task because the
    permission was created on this content type when the model lived here, and existing grants keep it."""

    class Meta:
        proxy = True
        permissions = [("operate", "Can retry tasks, purge dead letters and run scheduler jobs from the dashboard")]


class BulkOperation(models.Model):
    """Retry, cancel or dismiss many tasks at once: asked for in a request, done by an actor, progress shown.

    It covers either the chosen message ids or every task matching a filter (the task list's query string)
    up to `up_to_task_id`, so tasks arriving after the press are left alone.
    """

    class Action(models.TextChoices):
        RETRY = "retry", "Retry"
        CANCEL = "cancel", "Cancel"
        DISMISS = "dismiss", "Dismiss"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    action = models.CharField(max_length=10, choices=Action.choices)
    message_ids = models.TextField(default="[]", help_text="JSON list of the chosen message ids; empty: the filter.")
    filter_query = models.TextField(blank=True, default="", help_text="The task list's query string.")
    up_to_task_id = models.BigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0, help_text="Tasks it covers, counted when it was asked for.")
    done = models.PositiveIntegerField(default=0)
    passed_over = models.PositiveIntegerField(default=0, help_text="Tasks that no longer qualified.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_action_display()} {self.total} tasks"

    @property
    def progress_percent(self):
        return 100 if not self.total else min(100, round(100 * (self.done + self.passed_over) / self.total))
