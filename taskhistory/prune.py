"""Forgetting old task history: finished tasks and per-minute counts past the retention, in primary-key batches."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import conf
from .heartbeat import workers_silent_drop
from .minutes import epoch_minute
from .models import CancelledMessage, Task, TaskAttempt, TaskStat
from .statuses import FINAL

PRUNE_BATCH = 5_000


def _delete_in_batches(queryset):
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


def history_prune(*, now: dt.datetime | None = None, days: int | None = None) -> dict[str, int]:
    """Delete finished tasks and per-minute counts older than the retention, in primary-key batches.

    A task still open after the retention counts as finished-and-lost once it has not changed for as long.
    Returns {"tasks": n, "stats": n, "workers": n}.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days or conf.retention_days())
    old = Task.objects.filter(enqueued_at__lt=cutoff)
    tasks = _delete_in_batches(old.filter(status__in=FINAL)) + _delete_in_batches(old.filter(updated_at__lt=cutoff))
    stats = _delete_in_batches(TaskStat.objects.filter(minute__lt=epoch_minute(cutoff)))
    _delete_in_batches(TaskAttempt.objects.filter(finished_at__lt=cutoff))
    # A message cancelled before the retention has long been skipped or has expired from RabbitMQ.
    CancelledMessage.objects.filter(cancelled_at__lt=cutoff).delete()
    return {"tasks": tasks, "stats": stats, "workers": workers_silent_drop()}
