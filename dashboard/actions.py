"""The dashboard's actions: each a GET that asks for confirmation and a POST (CSRF-checked) that does it."""

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from dramatiq.common import xq_name

from delivery import queues

from . import bulk, selectors, services
from .access import operator_required
from .models import BulkOperation
from .views import get_task_or_404


def _count(number, noun):
    """ "1 task", "2 tasks": the number with its noun, plural when it should be."""
    return f"{number} {noun}{pluralize(number)}"


def _confirmed(request):
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _confirm(request, *, title, lines, button, cancel_url, status=200, hidden=()):
    context = {"title": title, "lines": lines, "button": button, "cancel_url": cancel_url, "hidden": hidden}
    return render(request, "dashboard/confirm.html", context, status=status)


@operator_required
@require_http_methods(["GET", "POST"])
def task_retry(request, message_id):
    task = get_task_or_404(message_id)
    task_url = reverse("dashboard:task", args=[task.message_id])
    if not _confirmed(request):
        return _confirm(
            request,
            title=f"Retry task {task.message_id}?",
            lines=[
                f"{task.actor_name} on queue {task.queue_name}, {task.get_status_display().lower()}.",
                "Its stored message is sent again in full, as a new message with its retry count reset.",
            ],
            button="Retry this task",
            cancel_url=task_url,
        )
    try:
        new_id = services.task_retry(task=task, user=request.user)
    except services.ActionError as error:
        messages.error(request, str(error))
        return redirect(task_url)
    messages.success(request, f"Task {task.message_id} was re-sent as this new task.")
    return redirect("dashboard:task", new_id)


@operator_required
@require_http_methods(["GET", "POST"])
def actor_retry_failed(request, actor_name):
    list_url = reverse("dashboard:tasks") + f"?actor={actor_name}&status=failed"
    if not _confirmed(request):
        waiting = selectors.tasks_retryable_of_actor(actor_name).count()
        return _confirm(
            request,
            title=f"Retry every failed task of {actor_name}?",
            lines=[
                f"{_count(waiting, 'failed or skipped task')} of {actor_name} not retried yet.",
                f"Each is sent again in full with its retries reset, up to {services.BULK_RETRY_LIMIT} per press.",
            ],
            button=f"Retry {_count(min(waiting, services.BULK_RETRY_LIMIT), 'task')}",
            cancel_url=list_url,
        )
    sent, remaining = services.tasks_retry_failed(actor_name=actor_name, user=request.user)
    messages.success(request, f"Re-sent {_count(sent, 'failed task')} of {actor_name}; {remaining} still waiting.")
    return redirect(reverse("dashboard:tasks") + f"?actor={actor_name}")


@operator_required
@require_http_methods(["GET", "POST"])
def scheduler_job_run(request, job_name):
    scheduler_url = reverse("dashboard:scheduler")
    if not _confirmed(request):
        return _confirm(
            request,
            title=f"Run the scheduler job {job_name} now?",
            lines=[
                "Its message is sent at once, outside its schedule; the scheduler's ledger records it as a manual "
                "run, and its next scheduled run still happens.",
            ],
            button=f"Run {job_name} now",
            cancel_url=scheduler_url,
        )
    try:
        message_id = services.scheduler_job_run(job_name=job_name, user=request.user)
    except services.ActionError as error:
        messages.error(request, str(error))
        return redirect(scheduler_url)
    messages.success(request, f"{job_name} was sent as this task.")
    return redirect("dashboard:task", message_id)


@operator_required
@require_http_methods(["GET", "POST"])
def queue_purge_dead_letters(request, queue_name):
    overview_url = reverse("dashboard:overview")
    if not _confirmed(request):
        try:
            [counts] = queues.queue_counts([queue_name])
            held = f"It holds {_count(counts.dead or 0, 'message')} now."
        except queues.BrokerUnavailable as error:
            held = f"Its size is unknown: {error}"
        return _confirm(
            request,
            title=f"Purge the dead-letter queue {xq_name(queue_name)}?",
            lines=[held, "They are deleted from RabbitMQ; the task history keeps each task and its message."],
            button="Purge the dead letters",
            cancel_url=overview_url,
        )
    try:
        purged = services.dead_letters_purge(queue_name=queue_name, user=request.user)
    except services.ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Purged {_count(purged, 'message')} from {xq_name(queue_name)}.")
    return redirect(overview_url)


def _task_action(request, message_id, *, verb, lines, service, done):
    """A single-task action: confirm on GET, do it on a confirmed POST, go back to the task either way."""
    task = get_task_or_404(message_id)
    task_url = reverse("dashboard:task", args=[task.message_id])
    if not _confirmed(request):
        return _confirm(
            request,
            title=f"{verb} task {task.message_id}?",
            lines=[f"{task.actor_name} on queue {task.queue_name}, {task.get_status_display().lower()}.", *lines],
            button=f"{verb} this task",
            cancel_url=task_url,
        )
    try:
        service(task=task, user=request.user)
    except services.ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(task_url)


@operator_required
@require_http_methods(["GET", "POST"])
def task_cancel(request, message_id):
    return _task_action(
        request,
        message_id,
        verb="Cancel",
        lines=["Every worker skips its message instead of running it; one already started runs to its end."],
        service=services.task_cancel,
        done="The task was cancelled: workers will skip its message.",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def task_dismiss(request, message_id):
    return _task_action(
        request,
        message_id,
        verb="Dismiss",
        lines=["It leaves the list of failed tasks to retry; the history keeps it under “Dismissed”."],
        service=services.task_dismiss,
        done="The task was dismissed.",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def queue_pause(request, queue_name):
    return _queue_action(
        request,
        queue_name,
        title=f"Pause the queue {queue_name}?",
        lines=[
            "Every worker stops taking its messages within about a second; running ones finish. Messages keep "
            "arriving and wait in RabbitMQ until you resume it.",
        ],
        service=services.queue_pause,
        done=f"{queue_name} is paused.",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def queue_resume(request, queue_name):
    return _queue_action(
        request,
        queue_name,
        title=f"Resume the queue {queue_name}?",
        lines=["Workers take its messages again within about a second."],
        service=services.queue_resume,
        done=f"{queue_name} is consumed again.",
    )


def _queue_action(request, queue_name, *, title, lines, service, done):
    overview_url = reverse("dashboard:overview")
    if not _confirmed(request):
        return _confirm(request, title=title, lines=lines, button=title.rstrip("?"), cancel_url=overview_url)
    try:
        service(queue_name=queue_name, user=request.user)
    except services.ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(overview_url)


@operator_required
@require_http_methods(["POST"])
def tasks_bulk(request):
    """From the task list: the chosen tasks, or everything the filter matches; confirmed, then done by an actor."""
    action = request.POST.get("action", "")
    if action not in BulkOperation.Action.values:
        messages.error(request, "Choose what to do with the tasks: retry, cancel or dismiss.")
        return redirect(reverse("dashboard:tasks") + "?" + request.POST.get("filter_query", ""))
    everything = request.POST.get("scope") == "filter"
    chosen = [] if everything else request.POST.getlist("message_id")
    filter_query = request.POST.get("filter_query", "")
    list_url = reverse("dashboard:tasks") + (f"?{filter_query}" if filter_query else "")
    if not everything and not chosen:
        messages.error(request, "No task was chosen.")
        return redirect(list_url)
    if not _confirmed(request):
        probe = BulkOperation(
            action=action, message_ids=json.dumps(chosen), filter_query="" if chosen else filter_query
        )
        probe.up_to_task_id = 2**62
        count = bulk.bulk_tasks(probe).count()
        label = BulkOperation.Action(action).label
        scope = f"the {len(chosen)} chosen tasks" if chosen else "every task matching the current filter"
        return _confirm(
            request,
            title=f"{label} {_count(count, 'task')}?",
            lines=[
                f"{label} {scope}: {count} of them qualify now. A worker does it in the background; the next "
                "page shows its progress.",
            ],
            button=f"{label} {_count(count, 'task')}",
            cancel_url=list_url,
            hidden=[
                ("action", action),
                ("scope", "filter" if everything else "chosen"),
                ("filter_query", filter_query),
                *(("message_id", message_id) for message_id in chosen),
            ],
        )
    try:
        operation = bulk.bulk_operation_create(
            action=action, message_ids=chosen, filter_query=filter_query, user=request.user
        )
    except services.ActionError as error:
        messages.error(request, str(error))
        return redirect(list_url)
    return redirect("dashboard:operation", operation.pk)
