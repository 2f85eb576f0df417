"""What the dashboard shows: the actor page, attempts, new rows without a reload, headline totals, times."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.actors_page import percentiles
from dashboard.templatetags.dashboard_tags import when
from taskhistory.models import TaskAttempt
from tests.taskhistory.factories import make_stat, make_task

pytestmark = pytest.mark.django_db


def test_percentiles_are_nearest_rank_and_empty_when_nothing_finished():
    result = percentiles(range(1, 101))
    assert (result.p50, result.p95, result.p99, result.sample) == (50, 95, 99, 100)
    assert percentiles([None]).p50 is None


def test_the_actor_page_shows_throughput_failure_rate_and_run_time_percentiles_per_window(staff_client):
    now = timezone.now()
    make_stat(minute=now, succeeded=3, failed=1)
    make_stat(minute=now - dt.timedelta(days=2), succeeded=4)
    for runtime in (10.0, 20.0, 30.0, 1000.0):
        make_task(status="succeeded", runtime_ms=runtime)
    data = staff_client.get(reverse("dashboard:api_actor", args=["send_feedback_mail"])).json()
    hour, week = data["windows"]["1h"], data["windows"]["1w"]
    assert (hour["attempts"], hour["failed"], hour["failure_rate"]) == (4, 1, 0.25)
    assert week["attempts"] == 8
    assert (hour["runtime_ms"]["p50"], hour["runtime_ms"]["p99"], hour["runtime_ms"]["sample"]) == (20.0, 1000.0, 4)
    assert hour["queue_ms"]["p50"] == pytest.approx(5.0)  # the factory starts tasks 5 ms after they were sent
    page = staff_client.get(reverse("dashboard:actor", args=["send_feedback_mail"])).content.decode()
    assert "Actor send_feedback_mail" in page and "25.0 %" in page and "1.00 s" in page
    assert page.count("<svg") == 3


def test_a_task_page_lists_each_attempt_with_its_own_error_and_worker(staff_client):
    task = make_task(status="succeeded", retries=1)
    finished = timezone.now()
    TaskAttempt.objects.create(
        message_id=task.message_id, attempt=0, status="retrying", finished_at=finished, error="ConnectionError: x",
        worker_host="w1", worker_pid=11,
    )  # fmt: skip
    TaskAttempt.objects.create(
        message_id=task.message_id, attempt=1, status="succeeded", finished_at=finished, worker_host="w2", worker_pid=22
    )  # fmt: skip
    page = staff_client.get(reverse("dashboard:task", args=[task.message_id])).content.decode()
    assert "ConnectionError: x" in page
    assert "w1 (pid 11)" in page and "w2 (pid 22)" in page


def test_the_first_page_of_the_list_sends_its_rows_so_new_tasks_appear_without_a_reload(staff_client):
    older = make_task(status="succeeded")
    first = staff_client.get(reverse("dashboard:api_tasks")).json()
    newer = make_task(status="enqueued", ago=dt.timedelta(0))
    second = staff_client.get(reverse("dashboard:api_tasks")).json()
    assert newer.message_id not in first["html"]["tasks:rows"]
    assert newer.message_id in second["html"]["tasks:rows"] and older.message_id in second["html"]["tasks:rows"]
    later_page = staff_client.get(reverse("dashboard:api_tasks"), {"before": newer.pk}).json()
    assert later_page["html"] == {}  # an older page does not move under the reader


def test_the_overview_has_headline_totals_and_status_counts_that_link_to_the_list(staff_client):
    make_task(status="running")
    make_task(status="enqueued")
    make_stat(minute=timezone.now(), succeeded=5, failed=2)
    response = staff_client.get(reverse("dashboard:overview"))
    assert response.context["headline"] | {"dead": None} == {
        "processed": 7, "failed": 2, "running": 1, "waiting": 1, "dead": None,
    }  # fmt: skip
    page = response.content.decode()
    assert '/dashboard/tasks/?status=failed&amp;window=24h" data-key="total:day:failed">2</a>' in page
    assert ">0 live worker processes</span></a>" in page


def test_times_carry_their_zone_and_how_long_ago_they_were():
    text = str(when(timezone.now() - dt.timedelta(minutes=3)))
    assert "UTC" in text and "(3 min ago)" in text and "<time datetime=" in text
    assert "(just now)" in str(when(timezone.now()))
    assert "(2 h ago)" in str(when(timezone.now() - dt.timedelta(hours=2)))
