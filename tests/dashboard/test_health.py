"""/dashboard/api/health/: 200 when every part answers, 503 naming the parts that do not."""

import datetime as dt
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.log import log_response

from dashboard import health_log
from scheduler.models import SchedulerHeartbeat
from taskhistory.models import WorkerProcess

pytestmark = pytest.mark.django_db
TOKEN = "health-token"


@pytest.fixture
def token(settings):
    settings.DASHBOARD_API_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def _alive(now, *, scheduler_age=dt.timedelta(seconds=5)):
    WorkerProcess.objects.create(host="w1", pid=1, started_at=now, last_seen=now)
    SchedulerHeartbeat.objects.create(
        instance="s1:1:x", hostname="s1", pid=1, started_at=now, beat_at=now - scheduler_age
    )  # fmt: skip


def test_with_everything_up_health_answers_200_and_names_each_part(client, token, settings, rabbitmq_vhost):
    settings.RABBITMQ_URL = rabbitmq_vhost.url
    _alive(timezone.now())
    response = client.get(reverse("dashboard:api_health"), **token)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "rabbitmq", "workers", "scheduler"}
    assert all(check["ok"] for check in body["checks"].values())


def test_an_unreachable_rabbitmq_and_a_dead_scheduler_make_it_503_naming_them(client, token):
    _alive(timezone.now(), scheduler_age=dt.timedelta(minutes=10))
    response = client.get(reverse("dashboard:api_health"), **token)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["database"]["ok"], checks["workers"]["ok"]) == (True, True)
    assert (checks["rabbitmq"]["ok"], checks["scheduler"]["ok"]) == (False, False)
    assert "600 s old" in checks["scheduler"]["detail"]


def test_no_worker_alive_fails_the_workers_check(client, token):
    response = client.get(reverse("dashboard:api_health"), **token)
    assert response.status_code == 503
    assert response.json()["checks"]["workers"] == {
        "ok": False,
        "detail": "No worker process has written a heartbeat lately.",
    }


@pytest.fixture
def healthy_before():
    """Each web process remembers its last outcome; a test starts from a healthy one."""
    health_log.health_log_change({})
    yield
    health_log.health_log_change({})


def test_polls_while_a_part_is_down_log_one_warning_not_an_error_each(client, token, caplog, healthy_before):
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert client.get(reverse("dashboard:api_health"), **token).status_code == 503

    assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == []
    warnings = [r for r in caplog.records if r.name == "dashboard.health_log"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "workers (No worker process has written a heartbeat lately.)" in warnings[0].getMessage()


def test_the_recovery_is_logged_once_at_info(client, token, caplog, settings, rabbitmq_vhost, healthy_before):
    settings.RABBITMQ_URL = rabbitmq_vhost.url
    client.get(reverse("dashboard:api_health"), **token)  # no worker, no scheduler: failing
    _alive(timezone.now())
    caplog.clear()

    with caplog.at_level(logging.INFO):
        for _ in range(2):
            assert client.get(reverse("dashboard:api_health"), **token).status_code == 200

    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "dashboard.health_log"]
    assert records == [("INFO", "Health check: every part answers again.")]


def test_other_503s_are_still_logged_at_error(caplog):
    request = RequestFactory().get("/elsewhere/")
    request.resolver_match = None
    response = HttpResponse(status=503)

    with caplog.at_level(logging.INFO):
        log_response("Service Unavailable: %s", request.path, response=response, request=request)

    assert [r.levelname for r in caplog.records if r.name == "django.request"] == ["ERROR"]
