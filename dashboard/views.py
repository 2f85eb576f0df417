"""The dashboard's HTML pages: thin views over pages.py (which the JSON API shares)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from taskhistory import selectors
from taskhistory.forms import TaskFilterForm

from . import actors_page, pages, scheduling
from .access import staff_required
from .subjects import task_subject


@staff_required
@require_GET
def overview(request):
    return render(request, "dashboard/overview.html", pages.overview())


@staff_required
@require_GET
def scheduler(request):
    return render(request, "dashboard/scheduler.html", {"state": scheduling.scheduler_state()})


@staff_required
@require_GET
def workers(request):
    now = timezone.now()
    return render(request, "dashboard/workers.html", {"workers": selectors.workers(now=now), "now": now})


def task_list_context(request):
    """The filter form and, when it is valid, the page of tasks it selects (an invalid one selects nothing)."""
    form = TaskFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = selectors.tasks_page(form.filters(), before=form.cleaned_data["before"])
    return {
        "form": form,
        "page": page,
        "actors": selectors.known_actors(),
        "queues": selectors.known_queues(),
        "next_query": form.query_without_cursor(),
    }


@staff_required
@require_GET
def tasks(request):
    return render(request, "dashboard/tasks.html", task_list_context(request))


def get_task_or_404(message_id):
    task = selectors.task_get(message_id)
    if task is None:
        raise Http404("No task with that message id is in the history.")
    return task


@staff_required
@require_GET
def task(request, message_id):
    task = get_task_or_404(message_id)
    retried_as = selectors.task_get(task.retried_as) if task.retried_as else None
    context = {
        "task": task,
        "retried_as": retried_as,
        "attempts": selectors.task_attempts(task),
        "subject": task_subject(task),
    }
    return render(request, "dashboard/task.html", context)


def get_operation_or_404(operation_id):
    operation = selectors.bulk_operation_get(operation_id)
    if operation is None:
        raise Http404("No such bulk operation.")
    return operation


@staff_required
@require_GET
def operation(request, operation_id):
    return render(request, "dashboard/operation.html", {"operation": get_operation_or_404(operation_id)})


@staff_required
@require_GET
def actor(request, actor_name):
    return render(request, "dashboard/actor.html", actors_page.actor_page(actor_name))
