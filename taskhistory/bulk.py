"""Bulk operations: retry, cancel or dismiss many tasks, asked for in a request and done by an actor.

The request only records what to do (a BulkOperation row) and enqueues `apply_bulk_operation` on commit; the
actor works through the tasks in batches, updating the row's progress, which the operation's page polls.
Each task goes through the same service as its single-task button, so a task that no longer qualifies (retried
or cancelled meanwhile) is passed over, and an actor run that is repeated does nothing twice.
"""

import json
import logging

from django.db import transaction
from django.db.models import F, Max
from django.http import QueryDict
from django.utils import timezone

from actors import paths as actors
from delivery.outbox import enqueue_on_commit

from . import selectors, services
from .forms import TaskFilterForm
from .middleware import history_flush
from .models import BulkOperation, Task

logger = logging.getLogger(__name__)

BATCH = 200
MAX_CHOSEN = 1_000
# The Task queryset's rule for each action (models.py): the same as its single-task button's.
_ELIGIBLE = {
    BulkOperation.Action.RETRY: "awaiting_retry",
    BulkOperation.Action.CANCEL: "cancellable",
    BulkOperation.Action.DISMISS: "dismissible",
}


def _apply_one(action, task):
    if action == BulkOperation.Action.RETRY:
        services.task_retry(task=task, flush=False)
    elif action == BulkOperation.Action.CANCEL:
        services.task_cancel(task=task)
    else:
        services.task_dismiss(task=task)


def bulk_tasks(operation: BulkOperation):
    """The tasks the operation covers that still qualify for its action."""
    chosen = json.loads(operation.message_ids)
    if chosen:
        tasks = Task.objects.filter(message_id__in=chosen)
    else:
        form = TaskFilterForm(QueryDict(operation.filter_query))
        if not form.is_valid():
            return Task.objects.none()
        tasks = selectors.tasks_filtered(form.filters(), now=operation.created_at)
        tasks = tasks.filter(pk__lte=operation.up_to_task_id)
    return getattr(tasks, _ELIGIBLE[operation.action])().order_by()


def bulk_operation_create(*, action: str, message_ids: list[str], filter_query: str, user) -> BulkOperation:
    """Record a bulk operation and have a worker do it once this transaction commits."""
    if len(message_ids) > MAX_CHOSEN:
        raise services.ActionError(f"Choose at most {MAX_CHOSEN} tasks, or apply it to everything the filter matches.")
    with transaction.atomic():
        operation = BulkOperation.objects.create(
            action=action,
            message_ids=json.dumps(message_ids),
            filter_query="" if message_ids else filter_query,
            up_to_task_id=Task.objects.aggregate(last=Max("pk"))["last"] or 0,
            requested_by=user,
        )
        operation.total = bulk_tasks(operation).count()
        operation.save(update_fields=["total"])
        enqueue_on_commit(actors.APPLY_BULK_OPERATION, operation.pk)
    return operation


def bulk_operation_apply(*, operation_id: int) -> None:
    """Do a bulk operation in batches, recording progress; safe to run again (done tasks no longer qualify)."""
    operation = BulkOperation.objects.filter(pk=operation_id).first()
    if operation is None or operation.state == BulkOperation.State.FINISHED:
        return
    BulkOperation.objects.filter(pk=operation.pk).update(state=BulkOperation.State.RUNNING)
    ids = list(bulk_tasks(operation).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        done = passed_over = 0
        for task in Task.objects.filter(pk__in=ids[start : start + BATCH]).order_by("pk"):
            try:
                _apply_one(operation.action, task)
                done += 1
            except services.ActionError as error:
                logger.info("Bulk %s passed over %s: %s", operation.action, task.message_id, error)
                passed_over += 1
        history_flush()
        BulkOperation.objects.filter(pk=operation.pk).update(
            done=F("done") + done, passed_over=F("passed_over") + passed_over
        )
    BulkOperation.objects.filter(pk=operation.pk).update(state=BulkOperation.State.FINISHED, finished_at=timezone.now())
