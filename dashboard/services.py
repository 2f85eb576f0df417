"""The dashboard's actions: re-send, cancel or dismiss tasks, pause and resume queues, purge dead letters, run a
scheduler job now.

Every action a person takes is written to Django's admin log (LogEntry) with who did it.
"""

import logging
import uuid

import dramatiq
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from dramatiq.common import xq_name

from delivery import queues
from taskhistory import control
from taskhistory.middleware import history_flush
from taskhistory.models import Task
from taskhistory.statuses import RETRYABLE, STAGE_READY, WAITING, Status, rank

from . import registry
from .selectors import tasks_retryable_of_actor

logger = logging.getLogger(__name__)

BULK_RETRY_LIMIT = 500


class ActionError(Exception):
    """An action that cannot be done as asked; the message says why, for the person who asked."""


def action_log(*, user, message, obj=None, repr_text="", flag=CHANGE):
    """Record a dashboard action in Django's admin log."""
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else None,
        object_repr=(repr_text or str(obj))[:200],
        action_flag=flag,
        change_message=message,
    )


def _resend(task, message_id, *, flush=True):
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


def task_retry(*, task: Task, user=None, flush: bool = True) -> str:
    """Re-send a failed or skipped task in full, with retries reset. A task is re-sent at most once.

    The claim is a conditional UPDATE, so two people pressing Retry at once send it once.
    """
    if task.status not in RETRYABLE:
        raise ActionError(f"Only failed or skipped tasks can be retried; this one is {task.status}.")
    if task.actor_name not in registry.actors():
        raise ActionError(f"No actor named {task.actor_name!r} exists any more: nothing would run it.")
    new_id = str(uuid.uuid4())
    if not Task.objects.filter(pk=task.pk, retried_as="").update(retried_as=new_id):
        raise ActionError("This task was retried already.")
    try:
        _resend(task, new_id, flush=flush)
    except Exception as error:
        Task.objects.filter(pk=task.pk, retried_as=new_id).update(retried_as="")
        raise ActionError(f"The broker did not take the message: {type(error).__name__}: {error}") from error
    task.retried_as = new_id
    if user is not None:
        action_log(user=user, obj=task, message=f"Retried from the dashboard as message {new_id}.")
    return new_id


def task_cancel(*, task: Task, user=None) -> None:
    """Cancel a task that has not started: every worker skips its message (taskhistory/control.py).

    The row shows it cancelled at once; the worker that skips it records the same, and one that had already
    started it before the wish reached it records what really happened instead.
    """
    if task.status not in WAITING:
        raise ActionError(f"Only tasks that have not started can be cancelled; this one is {task.status}.")
    control.message_cancel(message_id=task.message_id)
    cancelled_rank = rank(retries=task.retries, stage=STAGE_READY)
    Task.objects.filter(pk=task.pk, status__in=WAITING).update(
        status=Status.CANCELLED, rank=cancelled_rank, last_error="Cancelled by an operator before it ran."
    )
    task.status = Status.CANCELLED
    if user is not None:
        action_log(user=user, obj=task, message="Cancelled from the dashboard before it ran.")


def task_dismiss(*, task: Task, user=None) -> None:
    """Take a failed or skipped task off the retry list: looked at, and left alone on purpose."""
    if task.status not in RETRYABLE:
        raise ActionError(f"Only failed or skipped tasks can be dismissed; this one is {task.status}.")
    if not Task.objects.filter(pk=task.pk, dismissed_at__isnull=True).update(dismissed_at=timezone.now()):
        raise ActionError("This task was dismissed already.")
    if user is not None:
        action_log(user=user, obj=task, message="Dismissed from the dashboard (left off the retry list).")


def queue_pause(*, queue_name: str, user=None) -> None:
    """Stop every worker consuming `queue_name` until resumed (taskhistory/control.py says how)."""
    if queue_name not in registry.queues():
        raise ActionError(f"{queue_name!r} is not one of djangobin's queues.")
    if not control.queue_pause(queue_name=queue_name):
        raise ActionError(f"{queue_name} is paused already.")
    if user is not None:
        action_log(
            user=user, repr_text=f"RabbitMQ queue {queue_name}", message="Paused consumption from the dashboard."
        )


def queue_resume(*, queue_name: str, user=None) -> None:
    if not control.queue_resume(queue_name=queue_name):
        raise ActionError(f"{queue_name} is not paused.")
    if user is not None:
        action_log(
            user=user, repr_text=f"RabbitMQ queue {queue_name}", message="Resumed consumption from the dashboard."
        )


def tasks_retry_failed(*, actor_name, user=None, limit=BULK_RETRY_LIMIT):
    """Re-send every failed or skipped task of an actor not re-sent yet, up to `limit` at a time.

    Returns (re-sent, still waiting); a second press continues where the limit stopped.
    """
    pending = tasks_retryable_of_actor(actor_name)
    sent = 0
    for task in pending[:limit]:
        try:
            task_retry(task=task)
            sent += 1
        except ActionError as error:
            logger.warning("Not retrying %s: %s", task.message_id, error)
    remaining = pending.count()
    if user is not None:
        action_log(
            user=user,
            repr_text=f"actor {actor_name}",
            message=f"Retried {sent} failed tasks of {actor_name} from the dashboard; {remaining} left.",
        )
    return sent, remaining


def dead_letters_purge(*, queue_name, user=None):
    """Empty a queue's dead-letter queue (`<queue>.XQ`); the task history keeps the tasks and their messages."""
    if queue_name not in registry.queues():
        raise ActionError(f"{queue_name!r} is not one of djangobin's queues.")
    try:
        purged = queues.dead_letters_purge(queue_name)
    except queues.BrokerUnavailable as error:
        raise ActionError(str(error)) from error
    if user is not None:
        action_log(
            user=user,
            repr_text=f"RabbitMQ queue {xq_name(queue_name)}",
            message=f"Purged {purged} dead-lettered messages from the dashboard.",
            flag=DELETION,
        )
    return purged


def scheduler_job_run(*, job_name, user=None):
    """Enqueue a scheduler job at once, as `runscheduler --run-now JOB` does (recorded in its ledger as manual).

    Returns the message id. The job table belongs to the scheduler app (scheduler/jobs.py).
    """
    from scheduler.daemon import SchedulerDaemon
    from scheduler.jobs import job_get
    from scheduler.models import JobRun

    try:
        job = job_get(job_name)
    except KeyError as error:
        raise ActionError(error.args[0]) from None
    try:
        message = SchedulerDaemon([job]).run_now(job)
    except Exception as error:
        raise ActionError(f"Could not enqueue {job.name}: {type(error).__name__}: {error}") from error
    history_flush()
    if user is not None:
        run = JobRun.objects.filter(job=job.name, message_id=message.message_id).first()
        action_log(
            user=user,
            obj=run,
            repr_text=f"scheduler job {job.name}",
            message=f"Ran {job.name} now from the dashboard as message {message.message_id}.",
        )
    return message.message_id
