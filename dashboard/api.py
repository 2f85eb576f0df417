"""/dashboard/api/…: the pages' data as JSON (for machines, and for refresh.js), and /dashboard/metrics."""

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from taskhistory import selectors

from . import actors_page, health, metrics, pages, scheduling
from .access import staff_or_api_token
from .health_log import health_log_change
from .views import get_operation_or_404, get_task_or_404, task_list_context


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@staff_or_api_token
@require_GET
def overview(request):
    return _json(pages.overview_json(pages.overview()))


@staff_or_api_token
@require_GET
def workers(request):
    now = timezone.now()
    return _json(pages.workers_json(selectors.workers(now=now), now=now))


@staff_or_api_token
@require_GET
def tasks(request):
    context = task_list_context(request)
    if context["page"] is None:
        return _json({"errors": context["form"].errors.get_json_data()}, status=400)
    first_page = context["form"].cleaned_data.get("before") is None
    return _json(pages.tasks_json(context["page"], now=timezone.now(), request=request, first_page=first_page))


@staff_or_api_token
@require_GET
def task(request, message_id):
    return _json(pages.task_detail_json(get_task_or_404(message_id), now=timezone.now()))


@staff_or_api_token
@require_GET
def scheduler(request):
    return _json(pages.scheduler_json(scheduling.scheduler_state()))


@staff_or_api_token
@require_GET
def prometheus(request):
    return HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


@staff_or_api_token
@require_GET
def health_check(request):
    """200 when the database, RabbitMQ, a worker and the scheduler all answer; 503 naming what does not."""
    checks = health.health()
    health_log_change(checks)
    ok = all(check.ok for check in checks.values())
    body = {"status": "ok" if ok else "failing", "checks": {name: vars(check) for name, check in checks.items()}}
    return _json(body, status=200 if ok else 503)


@staff_or_api_token
@require_GET
def operation(request, operation_id):
    return _json(pages.operation_json(get_operation_or_404(operation_id)))


@staff_or_api_token
@require_GET
def actor(request, actor_name):
    return _json(actors_page.actor_json(actors_page.actor_page(actor_name)))
