"""What operators do to tasks and queues: re-send, cancel or dismiss a task, pause and resume a queue, purge its
dead letters. The dashboard's buttons and the bulk-operation actor both come here.

The recorder's upsert (store.py) is the only other writer of Task rows. Each change here is a conditional UPDATE
on the rule the Task queryset names (retryable, dismissible, cancellable), so two operators pressing the same
button at once change a task once, and the recorder's later events never move a task backwards (`rank`).
Who pressed what is the caller's to record (the dashboard writes Django's admin log).
"""

import logging
import uuid

import dramatiq
from django.utils import timezone

from delivery import queues, registry

from . import control
from .middleware import history_flush
from .models import Task
from .selectors import tasks_retryable_of_actor
from .statuses import RETRYABLE, STAGE_READY, Status, rank

logger = logging.getLogger(__name__)

BULK_RETRY_LIMIT = 500


class ActionError(Exception):
    """An action that cannot be done as asked; the message says why, for the person who asked."""


def _resend(task: Task, message_id: str, *, flush: bool = True) -> None:
    """Send the task's stored message again as message `message_id`, its retry count reset."""
    message = queues.message_fresh(
        queue_name=task.queue_name,
        actor_name=task.actor_name,
        args=task.args_value,
        kwargs=task.kwargs_value,
        options={**task.options_value, "retry_of": task.message_id},
        message_id=message_id,
    )
    dramatiq.get_broker().enqueue(message)
    if flush:
        history_flush()  # so that the page about to show the new task finds it


def task_retry(*, task: Task, flush: bool = True) -> str:
    """Re-send a failed or skipped task in full, with retries reset; returns the new message id.

    A task is re-sent at most once: the claim of `retried_as` is a conditional UPDATE, undone if the broker
    refuses the message.
    """
    if not task.can_retry:
        if task.retried_as:
            raise ActionError("This task was retried already.")
        raise ActionError(f"Only failed or skipped tasks can be retried; this one is {task.status}.")
    if task.actor_name not in registry.actors():
        raise ActionError(f"No actor named {task.actor_name!r} exists any more: nothing would run it.")
    new_id = str(uuid.uuid4())
    if not Task.objects.retryable().filter(pk=task.pk).update(retried_as=new_id):
        raise ActionError("This task was retried already.")
    try:
        _resend(task, new_id, flush=flush)
    except Exception as error:
        Task.objects.filter(pk=task.pk, retried_as=new_id).update(retried_as="")
        raise ActionError(f"The broker did not take the message: {type(error).__name__}: {error}") from error
    task.retried_as = new_id
    return new_id


def task_cancel(*, task: Task) -> None:
    """Cancel a task that has not started: every worker skips its message (control.py).

    The row shows it cancelled at once; the worker that skips it records the same, and one that had already
    started it before the wish reached it records what really happened instead.
    """
    if not task.can_cancel:
        raise ActionError(f"Only tasks that have not started can be cancelled; this one is {task.status}.")
    control.message_cancel(message_id=task.message_id)
    Task.objects.cancellable().filter(pk=task.pk).update(
        status=Status.CANCELLED,
        rank=rank(retries=task.retries, stage=STAGE_READY),
        last_error="Cancelled by an operator before it ran.",
    )
    task.status = Status.CANCELLED


def task_dismiss(*, task: Task) -> None:
    """Take a failed or skipped task off the retry list: looked at, and left alone on purpose."""
    if task.status not in RETRYABLE:
        raise ActionError(f"Only failed or skipped tasks can be dismissed; this one is {task.status}.")
    if not Task.objects.dismissible().filter(pk=task.pk).update(dismissed_at=timezone.now()):
        raise ActionError("This task was dismissed already.")


def tasks_retry_failed(*, actor_name: str, limit: int = BULK_RETRY_LIMIT) -> tuple[int, int]:
    """Re-send every task of an actor on the retry list, up to `limit` at a time.

    Returns (re-sent, still waiting); a second call continues where the limit stopped.
    """
    pending = tasks_retryable_of_actor(actor_name)
    sent = 0
    for task in pending[:limit]:
        try:
            task_retry(task=task)
            sent += 1
        except ActionError as error:
            logger.warning("Not retrying %s: %s", task.message_id, error)
    return sent, pending.count()


def queue_pause(*, queue_name: str) -> None:
    """Stop every worker consuming `queue_name` until resumed (control.py says how)."""
    if queue_name not in registry.queues():
        raise ActionError(f"{queue_name!r} is not one of djangobin's queues.")
    if not control.queue_pause(queue_name=queue_name):
        raise ActionError(f"{queue_name} is paused already.")


def queue_resume(*, queue_name: str) -> None:
    if not control.queue_resume(queue_name=queue_name):
        raise ActionError(f"{queue_name} is not paused.")


def dead_letters_purge(*, queue_name: str) -> int:
    """Empty a queue's dead-letter queue (`<queue>.XQ`); the history keeps the tasks and their messages."""
    if queue_name not in registry.queues():
        raise ActionError(f"{queue_name!r} is not one of djangobin's queues.")
    try:
        return queues.dead_letters_purge(queue_name)
    except queues.BrokerUnavailable as error:
        raise ActionError(str(error)) from error
