"""Reads of the task history: each bounded by an index or by the per-minute counts.

Nothing here counts or groups the whole history: lists are keyset pages over the (…, enqueued_at, id) indexes,
totals and charts read TaskStat (one row per minute and actor) plus the few tasks still open. The dashboard's
pages, JSON and metrics read through here, never the tables themselves.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from delivery import registry

from . import conf, control
from .minutes import epoch_minute, minute_start
from .models import RUNTIME_BUCKETS, BulkOperation, Task, TaskAttempt, TaskCounter, TaskStat, WorkerProcess
from .statuses import OPEN, RETRYABLE, Status

PER_PAGE = 50
COUNT_CAP = 10_000
DEAD_LETTERED = "dead_lettered"
DISMISSED = "dismissed"
WINDOWS = {
    "15m": dt.timedelta(minutes=15),
    "1h": dt.timedelta(hours=1),
    "6h": dt.timedelta(hours=6),
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
}
_LIST_COLUMNS = (
    "id",
    "message_id",
    "actor_name",
    "queue_name",
    "args",
    "kwargs",
    "status",
    "retries",
    "enqueued_at",
    "started_at",
    "finished_at",
    "dead_lettered_at",
    "runtime_ms",
    "last_error",
    "retried_as",
    "dismissed_at",
)


@dataclass
class TaskFilters:
    status: str = ""
    actor: str = ""
    queue: str = ""
    window: str = ""
    message_id: str = ""
    text: str = ""


@dataclass
class TaskPage:
    tasks: list
    next_before: int | None
    count: int | None  # None for text searches, which would scan the history twice to count
    count_capped: bool


def tasks_filtered(filters, *, now=None):
    """The tasks matching `filters`, newest first."""
    tasks = Task.objects.all()
    if filters.status == DEAD_LETTERED:
        tasks = tasks.dismissible().filter(dead_lettered_at__isnull=False)
    elif filters.status == DISMISSED:
        tasks = tasks.filter(status__in=RETRYABLE, dismissed_at__isnull=False)
    elif filters.status in RETRYABLE:
        tasks = tasks.filter(status=filters.status, dismissed_at__isnull=True)
    elif filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.actor:
        tasks = tasks.filter(actor_name=filters.actor)
    if filters.queue:
        tasks = tasks.filter(queue_name=filters.queue)
    if filters.window:
        tasks = tasks.filter(enqueued_at__gte=(now or timezone.now()) - WINDOWS[filters.window])
    if filters.message_id:
        message_id = filters.message_id.strip().lower()
        tasks = (
            tasks.filter(message_id=message_id)
            if len(message_id) == 36
            else tasks.filter(message_id__startswith=message_id)
        )
    if filters.text:
        tasks = tasks.filter(Q(args__icontains=filters.text) | Q(kwargs__icontains=filters.text))
    return tasks.order_by("-enqueued_at", "-id")


def tasks_page(filters, *, before=None, per_page=PER_PAGE, now=None):
    """One page of `tasks_filtered`, continuing after the task with id `before` (keyset paging: no OFFSET)."""
    tasks = tasks_filtered(filters, now=now)
    count = None if filters.text else tasks[: COUNT_CAP + 1].count()
    if before is not None:
        anchor = Task.objects.filter(pk=before).values_list("enqueued_at", flat=True).first()
        if anchor is not None:
            tasks = tasks.filter(enqueued_at__lte=anchor).exclude(enqueued_at=anchor, id__gte=before)
    rows = list(tasks.only(*_LIST_COLUMNS)[: per_page + 1])
    next_before = rows[per_page - 1].pk if len(rows) > per_page else None
    return TaskPage(
        tasks=rows[:per_page],
        next_before=next_before,
        count=None if count is None else min(count, COUNT_CAP),
        count_capped=count is not None and count > COUNT_CAP,
    )


def task_get(message_id):
    return Task.objects.filter(message_id=message_id).first()


def tasks_retryable_of_actor(actor_name):
    """Failed or skipped tasks of an actor not yet re-sent nor dismissed, oldest first."""
    return Task.objects.awaiting_retry().filter(actor_name=actor_name).order_by("enqueued_at", "id")


def status_totals(*, now=None):
    """{"hour": {status: n}, "day": {…}}: attempts finished in the window (succeeded, failed, retried, skipped)
    from the per-minute counts; tasks sent in the window and still open (delayed, enqueued, running…)."""
    now = now or timezone.now()
    totals = {}
    for label, delta in (("hour", dt.timedelta(hours=1)), ("day", dt.timedelta(days=1))):
        finished = TaskStat.objects.filter(minute__gte=epoch_minute(now - delta)).aggregate(
            succeeded=Sum("succeeded"), failed=Sum("failed"), retried=Sum("retried"), skipped=Sum("skipped")
        )
        counts = {status: 0 for status in OPEN} | {name: value or 0 for name, value in finished.items()}
        still_open = (
            Task.objects.filter(status__in=OPEN, enqueued_at__gte=now - delta)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts.update(dict(still_open))
        totals[label] = counts
    return totals


@dataclass
class Bucket:
    start: dt.datetime
    processed: int = 0
    failed: int = 0


def throughput(*, step_minutes, buckets, now=None, actor=None):
    """Attempts processed and failed (raised or skipped, retried or not) per `step_minutes`, the last `buckets`.

    The database sums the per-minute counts into buckets (integer division of the minute), so this reads at
    most `buckets` rows whatever the traffic.
    """
    current = epoch_minute(now or timezone.now()) // step_minutes
    first = current - buckets + 1
    series = [Bucket(start=minute_start((first + n) * step_minutes)) for n in range(buckets)]
    stats = TaskStat.objects.filter(minute__gte=first * step_minutes)
    if actor is not None:
        stats = stats.filter(actor_name=actor)
    rows = (
        stats.annotate(bucket=F("minute") / step_minutes)
        .values("bucket")
        .annotate(ok=Sum("succeeded"), bad=Sum("failed") + Sum("retried") + Sum("skipped"))
        .order_by()
    )
    for row in rows:
        index = row["bucket"] - first
        if 0 <= index < buckets:
            series[index].processed = row["ok"] + row["bad"]
            series[index].failed = row["bad"]
    return series


@dataclass
class WorkerRow:
    process: WorkerProcess
    age_seconds: float
    stale: bool


def workers(*, now=None):
    """Worker processes heard from within the drop age, stale ones marked."""
    now = now or timezone.now()
    rows = WorkerProcess.objects.filter(last_seen__gte=now - dt.timedelta(seconds=conf.WORKER_DROP_SECONDS))
    result = []
    for process in rows.order_by("host", "pid"):
        age = max((now - process.last_seen).total_seconds(), 0.0)
        result.append(WorkerRow(process=process, age_seconds=age, stale=age > conf.WORKER_STALE_SECONDS))
    return result


_OUTCOMES = ("succeeded", "failed", "retried", "skipped")


@dataclass
class ActorTotals:
    """What an actor did on a queue since the history began, from the never-pruned counters."""

    actor: str
    queue: str
    attempts: dict  # outcome -> attempts finished that way
    runtime_buckets: list  # [(upper bound in seconds, attempts at or under it)], cumulative
    runtime_count: int
    runtime_sum_seconds: float


def actor_totals() -> list[ActorTotals]:
    totals = []
    for row in TaskCounter.objects.order_by("actor_name", "queue_name"):
        cumulative, buckets = 0, []
        for limit, column in RUNTIME_BUCKETS:
            cumulative += getattr(row, column)
            buckets.append((limit, cumulative))
        attempts = {outcome: getattr(row, outcome) for outcome in _OUTCOMES}
        totals.append(
            ActorTotals(
                actor=row.actor_name,
                queue=row.queue_name,
                attempts=attempts,
                runtime_buckets=buckets,
                runtime_count=attempts["succeeded"] + attempts["failed"] + attempts["retried"],
                runtime_sum_seconds=row.runtime_sum_ms / 1000,
            )
        )
    return totals


def queue_latency(*, now: dt.datetime | None = None) -> dict[str, float]:
    """{queue: seconds the oldest message ready to run has waited}, from tasks still enqueued (the status index)."""
    now = now or timezone.now()
    rows = (
        Task.objects.filter(status=Status.ENQUEUED)
        .values("queue_name")
        .annotate(oldest=Min(Coalesce("eta", "queued_at", "enqueued_at")))  # ready since its eta, if it had one
        .order_by()
    )
    return {row["queue_name"]: max((now - row["oldest"]).total_seconds(), 0.0) for row in rows}


def open_counts() -> dict[tuple[str, str, str], int]:
    """{(actor, queue, status): tasks} for tasks not finished yet."""
    rows = (
        Task.objects.filter(status__in=OPEN)
        .values_list("actor_name", "queue_name", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(actor, queue, status): n for actor, queue, status, n in rows}


def queues_paused() -> set[str]:
    return control.paused_queues()


def task_attempts(task: Task) -> list[TaskAttempt]:
    """Each finished attempt of `task`, first to last, with `waited_seconds`: its time in queue, from when it was
    asked for to its start (None when that is unknown).

    An attempt is asked for when the message is sent (the first), or when the attempt before it ends and the
    Retries middleware schedules it (that attempt's `finished_at`), so a retry's backoff counts. The latest attempt
    has the task's own `queued_at`, the time its enqueue recorded."""
    attempts = list(TaskAttempt.objects.filter(message_id=task.message_id).order_by("attempt"))
    finished = {attempt.attempt: attempt.finished_at for attempt in attempts}
    for attempt in attempts:
        if attempt.attempt == task.retries and task.queued_at is not None:
            asked = task.queued_at
        else:
            asked = task.enqueued_at if attempt.attempt == 0 else finished.get(attempt.attempt - 1)
        known = attempt.started_at is not None and asked is not None
        attempt.waited_seconds = max((attempt.started_at - asked).total_seconds(), 0.0) if known else None
    return attempts


def known_actors(*, now: dt.datetime | None = None) -> list[str]:
    """Actor names to offer as filters: the code's actors and any that finished work in the last week."""
    since = epoch_minute((now or timezone.now()) - dt.timedelta(days=7))
    recent = TaskStat.objects.filter(minute__gte=since).values_list("actor_name", flat=True).distinct()
    return sorted(set(registry.actors()) | set(recent))


def known_queues(*, now: dt.datetime | None = None) -> list[str]:
    """The code's queues, those that finished work in the last day, and those a live worker consumes."""
    since = epoch_minute((now or timezone.now()) - dt.timedelta(days=1))
    recent = set(TaskStat.objects.filter(minute__gte=since).values_list("queue_name", flat=True).distinct())
    live = {queue for row in workers(now=now) for queue in row.process.queue_list}
    return sorted(set(registry.queues()) | recent | live)


def bulk_operation_get(operation_id: int) -> BulkOperation | None:
    return BulkOperation.objects.filter(pk=operation_id).select_related("requested_by").first()
