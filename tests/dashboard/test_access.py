"""Every page, JSON endpoint and action under /dashboard/ is for staff only; actions need POST, CSRF and a confirm."""

import pytest
from django.test import Client
from django.urls import reverse

from taskhistory.models import PausedQueue, Task
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db

MESSAGE_ID = "0b3c7a52-5d8e-4a7e-9a55-2f0d3c1e9a10"
PAGES = [
    ("dashboard:overview", []),
    ("dashboard:workers", []),
    ("dashboard:tasks", []),
    ("dashboard:task", [MESSAGE_ID]),
    ("dashboard:api_overview", []),
    ("dashboard:api_workers", []),
    ("dashboard:api_tasks", []),
    ("dashboard:api_task", [MESSAGE_ID]),
    ("dashboard:metrics", []),
    ("dashboard:scheduler", []),
    ("dashboard:scheduler_job", ["remove_snippets"]),
    ("dashboard:api_scheduler", []),
    ("dashboard:api_health", []),
]
ACTIONS = [
    ("dashboard:task_retry", [MESSAGE_ID]),
    ("dashboard:actor_retry_failed", ["send_feedback_mail"]),
    ("dashboard:purge_dead_letters", ["mail"]),
    ("dashboard:scheduler_job_run", ["remove_snippets"]),
    ("dashboard:scheduler_job_add", []),
    ("dashboard:scheduler_job_edit", ["remove_snippets"]),
    ("dashboard:scheduler_job_pause", ["remove_snippets"]),
    ("dashboard:scheduler_job_resume", ["remove_snippets"]),
    ("dashboard:scheduler_job_delete", ["remove_snippets"]),
    ("dashboard:task_cancel", [MESSAGE_ID]),
    ("dashboard:task_dismiss", [MESSAGE_ID]),
    ("dashboard:queue_pause", ["mail"]),
    ("dashboard:queue_resume", ["mail"]),
]


def assert_nothing_done():
    task = Task.objects.get(message_id=MESSAGE_ID)
    assert (task.status, task.retried_as, task.dismissed_at) == ("failed", "", None)
    assert not PausedQueue.objects.exists()


@pytest.fixture
def failed_task():
    return make_task(status="failed", message_id=MESSAGE_ID)


HTML_PAGES = [(name, args) for name, args in PAGES if not name.startswith("dashboard:api_") and "metrics" not in name]
MACHINE_VIEWS = [(name, args) for name, args in PAGES if (name, args) not in HTML_PAGES] + [
    ("dashboard:api_operation", [1]),
    ("dashboard:api_actor", ["send_feedback_mail"]),
]


@pytest.mark.parametrize(("name", "args"), HTML_PAGES + ACTIONS)
def test_an_anonymous_visitor_is_sent_to_the_login_page_with_a_way_back(client, failed_task, name, args):
    url = reverse(name, args=args)
    for response in (client.get(url), client.post(url, {"confirm": "yes"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


@pytest.mark.parametrize(("name", "args"), MACHINE_VIEWS)
def test_a_machine_without_a_token_or_a_session_gets_401_in_json_never_a_login_redirect(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="djangobin dashboard"'
    assert response["Content-Type"] == "application/json"
    assert "Bearer" in response.json()["error"]


@pytest.mark.parametrize(("name", "args"), MACHINE_VIEWS)
def test_a_signed_in_user_who_is_not_staff_gets_403_in_json_from_the_machine_views(user_client, name, args):
    response = user_client.get(reverse(name, args=args))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize(("name", "args"), PAGES + ACTIONS)
def test_a_logged_in_user_who_is_not_staff_is_refused_with_403(user_client, failed_task, name, args):
    url = reverse(name, args=args)
    assert user_client.get(url).status_code == 403
    assert user_client.post(url, {"confirm": "yes"}).status_code in (403, 405)  # the API's views are GET only


@pytest.mark.parametrize(("name", "args"), PAGES + ACTIONS)
def test_staff_can_open_every_page_endpoint_and_confirmation(staff_client, failed_task, name, args):
    response = staff_client.get(reverse(name, args=args))
    assert response.status_code == (503 if name == "dashboard:api_health" else 200)  # no worker runs here
    assert response["Cache-Control"].startswith("max-age=0")


def test_pages_refuse_to_change_anything_by_post(staff_client):
    assert staff_client.post(reverse("dashboard:overview")).status_code == 405
    assert staff_client.post(reverse("dashboard:api_tasks")).status_code == 405


def test_an_action_posted_without_a_csrf_token_is_refused(staff, failed_task, broker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(reverse("dashboard:task_retry", args=[MESSAGE_ID]), {"confirm": "yes"})
    assert response.status_code == 403
    assert_nothing_done()
    assert broker.queues["mail"].qsize() == 0


def test_an_action_only_asks_for_confirmation_until_the_confirmation_is_posted(staff_client, failed_task, broker):
    url = reverse("dashboard:task_retry", args=[MESSAGE_ID])
    page = staff_client.get(url)
    assert b'name="csrfmiddlewaretoken"' in page.content
    assert b'name="confirm" value="yes"' in page.content
    unconfirmed = staff_client.post(url, {})
    assert unconfirmed.status_code == 200
    assert_nothing_done()
    assert broker.queues["mail"].qsize() == 0


API_VIEWS = [
    ("dashboard:metrics", []),
    ("dashboard:api_overview", []),
    ("dashboard:api_workers", []),
    ("dashboard:api_tasks", []),
    ("dashboard:api_task", [MESSAGE_ID]),
    ("dashboard:api_scheduler", []),
    ("dashboard:api_health", []),
]


@pytest.mark.parametrize(("name", "args"), API_VIEWS)
def test_every_api_view_and_the_metrics_accept_the_api_token_without_a_login(client, settings, failed_task, name, args):
    settings.DASHBOARD_API_TOKEN = "s3cret-token"
    response = client.get(reverse(name, args=args), HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code in (200, 503)  # health says 503 when no worker runs
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_metrics_token_setting_still_works_as_an_alias(client, settings):
    settings.DASHBOARD_API_TOKEN = ""
    settings.DASHBOARD_METRICS_TOKEN = "s3cret-token"
    response = client.get(reverse("dashboard:metrics"), HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert b"djangobin_workers" in response.content


def test_a_wrong_token_is_refused_with_401(client, settings):
    settings.DASHBOARD_API_TOKEN = "s3cret-token"
    response = client.get(reverse("dashboard:api_tasks"), HTTP_AUTHORIZATION="Bearer guessed")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"error": "A valid bearer token is required."}


def test_any_token_is_refused_when_none_is_configured(client, settings):
    settings.DASHBOARD_API_TOKEN = settings.DASHBOARD_METRICS_TOKEN = ""
    response = client.get(reverse("dashboard:metrics"), HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 401


@pytest.mark.parametrize(("name", "args"), ACTIONS)
def test_the_api_token_opens_no_page_and_no_action(client, settings, failed_task, broker, name, args):
    settings.DASHBOARD_API_TOKEN = "s3cret-token"
    bearer = {"HTTP_AUTHORIZATION": "Bearer s3cret-token"}
    assert client.get(reverse("dashboard:overview"), **bearer).status_code == 302
    assert client.post(reverse(name, args=args), {"confirm": "yes"}, **bearer).status_code == 302
    assert_nothing_done()


@pytest.mark.parametrize(("name", "args"), ACTIONS)
def test_staff_without_the_operate_permission_may_look_but_not_act(viewer_client, failed_task, broker, name, args):
    url = reverse(name, args=args)
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"confirm": "yes"}).status_code == 403
    assert_nothing_done()


def test_staff_without_the_operate_permission_see_no_action_buttons(viewer_client, failed_task):
    page = viewer_client.get(reverse("dashboard:task", args=[MESSAGE_ID]))
    assert page.status_code == 200
    assert b"Retry" not in page.content
    tasks = viewer_client.get(reverse("dashboard:tasks"), {"actor": "send_feedback_mail"})
    assert b"Retry all failed" not in tasks.content


def test_a_bulk_operation_needs_the_operate_permission(viewer_client, failed_task):
    form = {"action": "dismiss", "scope": "chosen", "message_id": [MESSAGE_ID], "confirm": "yes"}
    assert viewer_client.post(reverse("dashboard:tasks_bulk"), form).status_code == 403
    assert Task.objects.get(message_id=MESSAGE_ID).dismissed_at is None
