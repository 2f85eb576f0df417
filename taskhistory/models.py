"""What task history remembers: each message's life, per-minute counts, live worker processes, and the bulk
operations operators ask for. Only this app writes these tables (the recorder's upsert, taskhistory/services.py).
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import ngettext

from .minutes import minute_start
from .statuses import FINAL, RETRYABLE, WAITING, Status

# What an operator may still do with a task, each rule once: the querysets below and Task's `can_*` properties
# read these, so the retry list, the buttons and the bulk actions agree.
_RETRYABLE = Q(status__in=RETRYABLE, retried_as="")
_DISMISSIBLE = Q(status__in=RETRYABLE, dismissed_at__isnull=True)
_CANCELLABLE = Q(status__in=WAITING)


class TaskQuerySet(models.QuerySet):
    def retryable(self):
        """Failed or skipped, and not re-sent yet (a task is re-sent at most once)."""
        return self.filter(_RETRYABLE)

    def awaiting_retry(self):
        """The retry list: retryable and not dismissed (an operator looked at it and left it alone)."""
        return self.filter(_RETRYABLE & _DISMISSIBLE)

    def dismissible(self):
        return self.filter(_DISMISSIBLE)

    def cancellable(self):
        """Not started yet."""
        return self.filter(_CANCELLABLE)


class Task(models.Model):
    """One Dramatiq message, from enqueue to its final outcome, written only by the recorder's upsert.

    `rank` orders the events of a message (attempt x 10 + stage) so a late write never moves it backwards.
    Arguments and options are kept as the JSON text the message carried, in full, so a task can be re-sent.
    """

    message_id = models.CharField(max_length=64, unique=True)
    actor_name = models.CharField(max_length=255)
    queue_name = models.CharField(max_length=255)
    args = models.TextField(default="[]")
    kwargs = models.TextField(default="{}")
    options = models.TextField(default="{}")
    status = models.CharField(max_length=16, choices=Status.choices)
    rank = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(help_text="When the message was first sent.")
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its latest attempt was asked for: the message sent, or its retry scheduled.",
    )
    eta = models.DateTimeField(null=True, blank=True, help_text="When a delayed message or a retry is due.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    dead_lettered_at = models.DateTimeField(null=True, blank=True)
    runtime_ms = models.FloatField(null=True, blank=True)
    worker_host = models.CharField(max_length=255, blank=True, default="")
    worker_pid = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    retry_of = models.CharField(max_length=64, blank=True, default="", help_text="The task this one re-sends.")
    retried_as = models.CharField(max_length=64, blank=True, default="", help_text="Its re-sent copy, if any.")
    dismissed_at = models.DateTimeField(
        null=True, blank=True, help_text="When an operator dismissed it: a failure looked at and left alone."
    )
    updated_at = models.DateTimeField()

    objects = TaskQuerySet.as_manager()

    class Meta:
        db_table = "taskhistory_task"
        # Newest first under every filter the task list offers; the id breaks ties for keyset pages.
        indexes = [
            models.Index(fields=["enqueued_at", "id"], name="dashboard_task_time"),
            models.Index(fields=["status", "enqueued_at", "id"], name="dashboard_task_status"),
            models.Index(fields=["actor_name", "enqueued_at", "id"], name="dashboard_task_actor"),
            models.Index(fields=["actor_name", "status", "enqueued_at", "id"], name="dashboard_task_actor_status"),
            models.Index(fields=["queue_name", "enqueued_at", "id"], name="dashboard_task_queue"),
        ]

    def __str__(self):
        return f"{self.actor_name} {self.message_id}"

    @property
    def args_value(self):
        return json.loads(self.args)

    @property
    def kwargs_value(self):
        return json.loads(self.kwargs)

    @property
    def options_value(self):
        return json.loads(self.options)

    @property
    def is_final(self):
        return self.status in FINAL

    @property
    def can_retry(self):
        return self.status in RETRYABLE and not self.retried_as  # _RETRYABLE

    @property
    def can_dismiss(self):
        return self.status in RETRYABLE and self.dismissed_at is None  # _DISMISSIBLE

    @property
    def can_cancel(self):
        return self.status in WAITING  # _CANCELLABLE

    @property
    def queue_seconds(self):
        """How long the latest attempt waited before it started, from when it was asked for: a retry's backoff and
        a delayed message's delay included, as well as its time ready in the queue."""
        asked = self.queued_at or self.enqueued_at
        if self.started_at is None or asked is None:
            return None
        return max((self.started_at - asked).total_seconds(), 0.0)


RUNTIME_BUCKETS = (
    (0.01, "le_10ms"),
    (0.1, "le_100ms"),
    (0.5, "le_500ms"),
    (1.0, "le_1s"),
    (5.0, "le_5s"),
    (30.0, "le_30s"),
    (120.0, "le_2m"),
)


class TaskStat(models.Model):
    """Attempts finished in one minute by one actor: what charts and metrics read, whatever the history size.

    The `le_*` columns count attempts whose run time fell in that bucket (not cumulative); slower ones only
    count in `succeeded + failed + retried`.
    """

    minute = models.IntegerField(help_text="Minutes since the Unix epoch, UTC (see minutes.py).")
    actor_name = models.CharField(max_length=255)
    queue_name = models.CharField(max_length=255)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    retried = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    runtime_sum_ms = models.FloatField(default=0)
    le_10ms = models.PositiveIntegerField(default=0)
    le_100ms = models.PositiveIntegerField(default=0)
    le_500ms = models.PositiveIntegerField(default=0)
    le_1s = models.PositiveIntegerField(default=0)
    le_5s = models.PositiveIntegerField(default=0)
    le_30s = models.PositiveIntegerField(default=0)
    le_2m = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "taskhistory_taskstat"
        constraints = [
            models.UniqueConstraint(fields=["minute", "actor_name", "queue_name"], name="dashboard_taskstat_unique")
        ]

    def __str__(self):
        return f"{minute_start(self.minute):%Y-%m-%d %H:%M} {self.actor_name}"


class TaskCounter(models.Model):
    """Attempts finished by one actor on one queue since the history began: the Prometheus counters.

    Incremented in the same statement batch as the events it counts and never pruned, so it only goes up,
    across the daily prune and restarts alike. The `le_*` columns are per bucket (not cumulative), as in TaskStat.
    """

    actor_name = models.CharField(max_length=255)
    queue_name = models.CharField(max_length=255)
    succeeded = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0)
    retried = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    runtime_sum_ms = models.FloatField(default=0)
    le_10ms = models.PositiveBigIntegerField(default=0)
    le_100ms = models.PositiveBigIntegerField(default=0)
    le_500ms = models.PositiveBigIntegerField(default=0)
    le_1s = models.PositiveBigIntegerField(default=0)
    le_5s = models.PositiveBigIntegerField(default=0)
    le_30s = models.PositiveBigIntegerField(default=0)
    le_2m = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_name", "queue_name"], name="taskhistory_counter_unique")]

    def __str__(self):
        return f"{self.actor_name} on {self.queue_name}"


class WorkerProcess(models.Model):
    """A worker process's latest heartbeat."""

    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    queues = models.TextField(default="[]", help_text="JSON list of the queues it consumes.")
    threads = models.PositiveIntegerField(default=0)
    in_flight = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        db_table = "taskhistory_workerprocess"
        constraints = [models.UniqueConstraint(fields=["host", "pid"], name="dashboard_worker_unique")]

    def __str__(self):
        return f"{self.host}:{self.pid}"

    @property
    def key(self):
        return f"{self.host}:{self.pid}"

    @property
    def queue_list(self):
        return json.loads(self.queues)


class CancelledMessage(models.Model):
    """A message an operator cancelled before it ran: every worker skips it (see control.py)."""

    message_id = models.CharField(max_length=64, unique=True)
    cancelled_at = models.DateTimeField()

    def __str__(self):
        return self.message_id


class PausedQueue(models.Model):
    """A queue whose consumption an operator paused: every worker stops taking its messages until resumed."""

    queue_name = models.CharField(max_length=255, unique=True)
    paused_at = models.DateTimeField()

    def __str__(self):
        return self.queue_name


class TaskAttempt(models.Model):
    """One attempt of a task, as it finished: its own outcome, error, worker and times (the Task row keeps the last).

    Written with the attempt's "finished" event, once per (message, attempt).
    """

    message_id = models.CharField(max_length=64)
    attempt = models.PositiveIntegerField(help_text="0 for the first run, then one more per retry.")
    status = models.CharField(max_length=16, choices=Status.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField()
    runtime_ms = models.FloatField(null=True, blank=True)
    worker_host = models.CharField(max_length=255, blank=True, default="")
    worker_pid = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message_id", "attempt"], name="taskhistory_attempt_unique")]
        indexes = [models.Index(fields=["finished_at"], name="taskhistory_attempt_finished")]

    def __str__(self):
        return f"{self.message_id} attempt {self.attempt}"


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
        return f"{self.get_action_display()} {self.total} {ngettext('task', 'tasks', self.total)}"

    @property
    def progress_percent(self):
        return 100 if not self.total else min(100, round(100 * (self.done + self.passed_over) / self.total))
