"""The dashboard's actions: each a GET that asks for confirmation and a POST (CSRF-checked) that does it."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.models import DELETION
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from dramatiq.common import xq_name

from delivery import queues
from taskhistory import bulk, selectors, services
from taskhistory.models import BulkOperation
from taskhistory.services import ActionError

from .access import operator_required
from .audit import action_log
from .scheduling import scheduler_job_run as job_run_now
from .views import get_task_or_404
from .wording import counted


def _count(number, noun):
    """ "1 task", "2 tasks": the number with its noun, plural when it should be (nouns that take an s)."""
    return counted(number, noun, f"{noun}s")


def confirmed(request):
    return request.method == "POST" and request.POST.get("confirm") == "yes"


@dataclass
class Confirmation:
    """What the confirmation page asks; `hidden` fields are posted back with the answer."""

    title: str
    lines: list[str]
    button: str
    hidden: Sequence[tuple[str, str]] = ()


def confirm_then_act(request, *, back_url, confirmation, act):
    """Every action's shape: a GET (or a POST without confirm=yes) shows `confirmation()`, with a way back to
    `back_url`; a confirmed POST runs `act()`, which returns its success message (or None) and the URL to go to
    (None: `back_url`), or raises ActionError, whose message is shown back at `back_url`. Every URL begins with a
    path of the dashboard's own (reverse), so none leads off the site."""
    if not confirmed(request):
        asked = confirmation()
        context = {"title": asked.title, "lines": asked.lines, "button": asked.button, "hidden": asked.hidden}
        return render(request, "dashboard/confirm.html", {**context, "cancel_url": back_url})
    try:
        done, url = act()
    except ActionError as error:
        messages.error(request, str(error))
        return redirect(back_url)
    if done:
        messages.success(request, done)
    return redirect(url or back_url)


def _task_url(task):
    return reverse("dashboard:task", args=[task.message_id])


def _task_line(task):
    return f"{task.actor_name} on queue {task.queue_name}, {task.get_status_display().lower()}."


def _back_to_list(request):
    """The task list (with its filter) a row's button came from, when `next` names one; None otherwise. Only a path
    of the task list itself is taken, so `next` never leads anywhere else."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    list_path = reverse("dashboard:tasks")
    if url.split("?", 1)[0] != list_path or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return url


@operator_required
@require_http_methods(["GET", "POST"])
def task_retry(request, message_id):
    """From a task's page, or from a row of the task list (with `next`: the list is where it goes back to)."""
    task = get_task_or_404(message_id)
    list_url = _back_to_list(request)

    def retry():
        new_id = services.task_retry(task=task)
        action_log(user=request.user, obj=task, message=f"Retried from the dashboard as message {new_id}.")
        if list_url:
            return f"Task {task.message_id} was re-sent as task {new_id}.", list_url
        return f"Task {task.message_id} was re-sent as this new task.", reverse("dashboard:task", args=[new_id])

    return confirm_then_act(
        request,
        back_url=list_url or _task_url(task),
        confirmation=lambda: Confirmation(
            title=f"Retry task {task.message_id}?",
            lines=[
                _task_line(task),
                "Its stored message is sent again in full, as a new message with its retry count reset.",
            ],
            button="Retry this task",
            hidden=[("next", list_url)] if list_url else (),
        ),
        act=retry,
    )


@operator_required
@require_http_methods(["GET", "POST"])
def actor_retry_failed(request, actor_name):
    def confirmation():
        waiting = selectors.tasks_retryable_of_actor(actor_name).count()
        return Confirmation(
            title=f"Retry every failed task of {actor_name}?",
            lines=[
                f"{_count(waiting, 'failed or skipped task')} of {actor_name} not retried yet.",
                f"Each is sent again in full with its retries reset, up to {services.BULK_RETRY_LIMIT} per press.",
            ],
            button=f"Retry {_count(min(waiting, services.BULK_RETRY_LIMIT), 'task')}",
        )

    def retry():
        sent, remaining = services.tasks_retry_failed(actor_name=actor_name)
        action_log(
            user=request.user,
            repr_text=f"actor {actor_name}",
            message=f"Retried {_count(sent, 'failed task')} of {actor_name} from the dashboard; {remaining} left.",
        )
        done = f"Re-sent {_count(sent, 'failed task')} of {actor_name}; {remaining} still waiting."
        return done, reverse("dashboard:tasks") + "?" + urlencode({"actor": actor_name})

    back_url = reverse("dashboard:tasks") + "?" + urlencode({"actor": actor_name, "status": "failed"})
    return confirm_then_act(request, back_url=back_url, confirmation=confirmation, act=retry)


@operator_required
@require_http_methods(["GET", "POST"])
def scheduler_job_run(request, job_name):
    def run():
        message_id, ledger_row = job_run_now(job_name=job_name)
        action_log(
            user=request.user,
            obj=ledger_row,
            repr_text=f"scheduler job {job_name}",
            message=f"Ran {job_name} now from the dashboard as message {message_id}.",
        )
        return f"{job_name} was sent as this task.", reverse("dashboard:task", args=[message_id])

    return confirm_then_act(
        request,
        back_url=reverse("dashboard:scheduler"),
        confirmation=lambda: Confirmation(
            title=f"Run the scheduler job {job_name} now?",
            lines=[
                "Its message is sent at once, outside its schedule; the scheduler's ledger records it as a manual "
                "run, and its next scheduled run still happens.",
            ],
            button=f"Run {job_name} now",
        ),
        act=run,
    )


@operator_required
@require_http_methods(["GET", "POST"])
def queue_purge_dead_letters(request, queue_name):
    def confirmation():
        try:
            [counts] = queues.queue_counts([queue_name])
            held = f"It holds {_count(counts.dead or 0, 'message')} now."
        except queues.BrokerUnavailable as error:
            held = f"Its size is unknown: {error}"
        return Confirmation(
            title=f"Purge the dead-letter queue {xq_name(queue_name)}?",
            lines=[held, "They are deleted from RabbitMQ; the task history keeps each task and its message."],
            button="Purge the dead letters",
        )

    def purge():
        purged = services.dead_letters_purge(queue_name=queue_name)
        action_log(
            user=request.user,
            repr_text=f"RabbitMQ queue {xq_name(queue_name)}",
            message=f"Purged {_count(purged, 'dead-lettered message')} from the dashboard.",
            flag=DELETION,
        )
        return f"Purged {_count(purged, 'message')} from {xq_name(queue_name)}.", None

    return confirm_then_act(request, back_url=reverse("dashboard:overview"), confirmation=confirmation, act=purge)


def _task_action(request, message_id, *, verb, lines, service, logged, done):
    """A single-task action: confirm, do it, log it, go back to the task either way."""
    task = get_task_or_404(message_id)

    def act():
        service(task=task)
        action_log(user=request.user, obj=task, message=logged)
        return done, None

    return confirm_then_act(
        request,
        back_url=_task_url(task),
        confirmation=lambda: Confirmation(
            title=f"{verb} task {task.message_id}?", lines=[_task_line(task), *lines], button=f"{verb} this task"
        ),
        act=act,
    )


@operator_required
@require_http_methods(["GET", "POST"])
def task_cancel(request, message_id):
    return _task_action(
        request,
        message_id,
        verb="Cancel",
        lines=["Every worker skips its message instead of running it; one already started runs to its end."],
        service=services.task_cancel,
        logged="Cancelled from the dashboard before it ran.",
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
        logged="Dismissed from the dashboard (left off the retry list).",
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
        logged="Paused consumption from the dashboard.",
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
        logged="Resumed consumption from the dashboard.",
        done=f"{queue_name} is consumed again.",
    )


def _queue_action(request, queue_name, *, title, lines, service, logged, done):
    """A queue's pause or resume: confirm, do it, log it, back to the overview."""

    def act():
        service(queue_name=queue_name)
        action_log(user=request.user, repr_text=f"RabbitMQ queue {queue_name}", message=logged)
        return done, None

    return confirm_then_act(
        request,
        back_url=reverse("dashboard:overview"),
        confirmation=lambda: Confirmation(title=title, lines=lines, button=title.rstrip("?")),
        act=act,
    )


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

    def confirmation():
        probe = BulkOperation(
            action=action, message_ids=json.dumps(chosen), filter_query="" if chosen else filter_query
        )
        probe.up_to_task_id = 2**62
        count = bulk.bulk_tasks(probe).count()
        label = BulkOperation.Action(action).label
        scope = f"the {_count(len(chosen), 'chosen task')}" if chosen else "every task matching the current filter"
        return Confirmation(
            title=f"{label} {_count(count, 'task')}?",
            lines=[
                f"{label} {scope}: {count} of them qualify now. A worker does it in the background; the next "
                "page shows its progress.",
            ],
            button=f"{label} {_count(count, 'task')}",
            hidden=[
                ("action", action),
                ("scope", "filter" if everything else "chosen"),
                ("filter_query", filter_query),
                *(("message_id", message_id) for message_id in chosen),
            ],
        )

    def start():
        operation = bulk.bulk_operation_create(
            action=action, message_ids=chosen, filter_query=filter_query, user=request.user
        )
        what = f"the {_count(len(chosen), 'chosen task')}" if chosen else f"tasks matching ?{filter_query}"
        action_log(
            user=request.user,
            obj=operation,
            message=f"Asked to {action} {_count(operation.total, 'task')} ({what}) from the dashboard.",
        )
        return None, reverse("dashboard:operation", args=[operation.pk])  # the operation's page says it all

    return confirm_then_act(request, back_url=list_url, confirmation=confirmation, act=start)
