"""The pages and their JSON twins: filters, paging, escaping, and what each shows."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from taskhistory.models import TaskAttempt, WorkerProcess
from tests.taskhistory.factories import make_stat, make_task

pytestmark = pytest.mark.django_db


def listed(client, **query):
    """Message ids the JSON task list returns for `query`, in order."""
    response = client.get(reverse("dashboard:api_tasks"), query)
    assert response.status_code == 200, response.content
    return [task["message_id"] for task in response.json()["tasks"]]


def test_the_task_list_shows_the_newest_first(staff_client):
    older = make_task(ago=dt.timedelta(minutes=5))
    newer = make_task(ago=dt.timedelta(minutes=1))
    assert listed(staff_client) == [newer.message_id, older.message_id]


def test_the_task_list_filters_by_status_actor_and_queue(staff_client):
    wanted = make_task(status="failed", actor_name="send_feedback_mail", queue_name="mail")
    make_task(status="succeeded", actor_name="send_feedback_mail", queue_name="mail")
    make_task(status="failed", actor_name="remove_snippets", queue_name="maintenance")
    assert listed(staff_client, status="failed", actor="send_feedback_mail") == [wanted.message_id]
    assert listed(staff_client, status="failed", queue="mail") == [wanted.message_id]
    assert len(listed(staff_client, status="failed")) == 2


def test_the_dead_lettered_filter_finds_failed_tasks_rabbitmq_rejected(staff_client):
    dead = make_task(status="failed")
    make_task(status="failed", dead_lettered_at=None)
    assert listed(staff_client, status="dead_lettered") == [dead.message_id]


def test_the_task_list_filters_by_time_window(staff_client):
    recent = make_task(ago=dt.timedelta(minutes=10))
    make_task(ago=dt.timedelta(hours=2))
    assert listed(staff_client, window="1h") == [recent.message_id]
    assert len(listed(staff_client, window="24h")) == 2


def test_a_task_is_found_by_its_full_message_id_or_its_start(staff_client):
    task = make_task()
    make_task()
    assert listed(staff_client, message_id=task.message_id.upper()) == [task.message_id]
    assert listed(staff_client, message_id=task.message_id[:8]) == [task.message_id]


def test_a_task_is_found_by_text_in_its_arguments(staff_client):
    task = make_task(args=[42, "ann@example.com"], kwargs={"subject": "Quarterly report"})
    make_task(args=[43, "bob@example.com"])
    assert listed(staff_client, text="ann@example") == [task.message_id]
    assert listed(staff_client, text="quarterly") == [task.message_id]


def test_pages_continue_with_older_tasks_without_repeating_or_skipping_any(staff_client):
    same_time = timezone.now() - dt.timedelta(minutes=1)
    tasks = [make_task(ago=dt.timedelta(seconds=n)) for n in range(120)]
    tasks += [make_task(enqueued_at=same_time) for _ in range(5)]  # ties broken by id
    expected = sorted(tasks, key=lambda t: (t.enqueued_at, t.pk), reverse=True)
    seen, before = [], None
    while True:
        query = {"before": before} if before else {}
        data = staff_client.get(reverse("dashboard:api_tasks"), query).json()
        seen += [task["message_id"] for task in data["tasks"]]
        before = data["next_before"]
        if before is None:
            break
    assert seen == [task.message_id for task in expected]


def test_an_invalid_filter_is_explained_and_selects_nothing_instead_of_failing(staff_client):
    make_task()
    page = staff_client.get(reverse("dashboard:tasks"), {"status": "exploded", "before": "x"})
    assert page.status_code == 200
    assert b"This filter cannot be applied" in page.content
    assert b"exploded" in page.content
    api = staff_client.get(reverse("dashboard:api_tasks"), {"window": "forever"})
    assert api.status_code == 400
    assert "window" in api.json()["errors"]


def test_a_script_in_arguments_or_errors_is_shown_as_text_never_run(staff_client):
    script = "<script>alert('owned')</script>"
    task = make_task(status="failed", args=[script], kwargs={"note": script}, last_error=script, traceback=script)
    for url in (reverse("dashboard:tasks"), reverse("dashboard:task", args=[task.message_id])):
        body = staff_client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(" in body
    api = staff_client.get(reverse("dashboard:api_task", args=[task.message_id])).json()
    assert api["task"]["args"] == [script]
    assert "<script>" not in api["html"]["task:traceback"]


def test_pages_have_no_inline_script_or_style(staff_client):
    task = make_task(status="failed")
    make_stat(minute=timezone.now(), succeeded=3, failed=1)
    for url in (
        reverse("dashboard:overview"),
        reverse("dashboard:workers"),
        reverse("dashboard:tasks"),
        reverse("dashboard:task", args=[task.message_id]),
        reverse("dashboard:task_retry", args=[task.message_id]),
        reverse("dashboard:scheduler"),
        reverse("dashboard:scheduler_job_run", args=["remove_snippets"]),
    ):
        body = staff_client.get(url).content.decode()
        assert "style=" not in body
        scripts = body.count("<script")
        assert scripts == body.count('<script src="/static/dashboard/refresh.js" defer></script>') == 1


def test_the_task_page_shows_arguments_options_retries_traceback_and_times(staff_client):
    task = make_task(status="failed", args=[7, "x"], kwargs={"site_url": "https://paste.example"}, retries=3)
    body = staff_client.get(reverse("dashboard:task", args=[task.message_id])).content.decode()
    for text in ("https://paste.example", "&quot;max_retries&quot;: 12", "PermanentMailError: refused", "Traceback"):
        assert text in body
    data = staff_client.get(reverse("dashboard:api_task", args=[task.message_id])).json()["task"]
    assert data["retries"] == 3
    assert data["runtime_ms"] == 20.0
    assert data["queue_seconds"] == pytest.approx(0.005)
    assert data["options"] == {"max_retries": 12}


def test_an_unknown_task_is_a_404_not_a_500(staff_client):
    assert staff_client.get(reverse("dashboard:task", args=["nope"])).status_code == 404
    assert staff_client.get(reverse("dashboard:api_task", args=["nope"])).status_code == 404


def test_the_overview_totals_finished_attempts_and_open_tasks_for_the_hour_and_the_day(staff_client):
    now = timezone.now()
    make_stat(minute=now - dt.timedelta(minutes=5), succeeded=7, failed=2, retried=3)
    make_stat(minute=now - dt.timedelta(hours=5), succeeded=100, actor_name="remove_snippets")
    make_task(status="enqueued", ago=dt.timedelta(minutes=1))
    make_task(status="running", ago=dt.timedelta(hours=3))
    totals = staff_client.get(reverse("dashboard:api_overview")).json()["totals"]
    assert (totals["hour"]["succeeded"], totals["hour"]["failed"], totals["hour"]["retried"]) == (7, 2, 3)
    assert (totals["day"]["succeeded"], totals["hour"]["enqueued"], totals["hour"]["running"]) == (107, 1, 0)
    assert totals["day"]["running"] == 1


def test_the_overview_draws_its_charts_as_inline_svg_from_the_per_minute_counts(staff_client):
    now = timezone.now()
    make_stat(minute=now, succeeded=40, failed=10)
    page = staff_client.get(reverse("dashboard:overview")).content.decode()
    assert page.count("<svg") == 2
    assert "50 processed, 10 failed" in page
    data = staff_client.get(reverse("dashboard:api_overview")).json()
    assert data["live"]["chart:minute:processed"] == 50
    assert data["html"]["chart:hour"].startswith("<svg")


def test_the_overview_says_when_rabbitmq_does_not_answer_instead_of_failing(staff_client):
    page = staff_client.get(reverse("dashboard:overview"))
    assert page.status_code == 200
    assert b"RabbitMQ did not answer" in page.content
    assert staff_client.get(reverse("dashboard:api_overview")).json()["broker"]["error"].startswith("RabbitMQ")


def test_workers_are_listed_with_their_numbers_and_silent_ones_marked_stale_then_dropped(staff_client):
    now = timezone.now()
    common = {"queues": json.dumps(["mail"]), "threads": 4, "started_at": now - dt.timedelta(hours=1)}
    WorkerProcess.objects.create(host="web1", pid=10, in_flight=2, processed=50, failed=1, last_seen=now, **common)
    WorkerProcess.objects.create(host="web1", pid=11, last_seen=now - dt.timedelta(seconds=90), **common)
    WorkerProcess.objects.create(host="web2", pid=12, last_seen=now - dt.timedelta(hours=1), **common)
    workers = staff_client.get(reverse("dashboard:api_workers")).json()["workers"]
    assert [(w["pid"], w["stale"]) for w in workers] == [(10, False), (11, True)]
    assert (workers[0]["in_flight"], workers[0]["processed"], workers[0]["failed"]) == (2, 50, 1)
    page = staff_client.get(reverse("dashboard:workers")).content.decode()
    assert "state-stale" in page and "web2" not in page


def test_metrics_expose_attempt_counters_open_tasks_and_a_cumulative_run_time_histogram(staff_client):
    now = timezone.now()
    make_stat(minute=now, succeeded=5, failed=1, retried=2, le_10ms=3, le_100ms=4, le_2m=1, runtime_sum_ms=900.0)
    make_stat(minute=now - dt.timedelta(minutes=1), actor_name='we"ird\\actor', succeeded=1, le_1s=1)
    make_task(status="enqueued")
    text = staff_client.get(reverse("dashboard:metrics")).content.decode()
    mail = 'actor="send_feedback_mail",queue="mail"'
    assert f'djangobin_task_attempts_total{{{mail},outcome="retried"}} 2' in text
    assert f'djangobin_tasks_open{{{mail},status="enqueued"}} 1' in text
    assert f'djangobin_task_runtime_seconds_bucket{{{mail},le="0.01"}} 3' in text
    assert f'djangobin_task_runtime_seconds_bucket{{{mail},le="0.1"}} 7' in text
    assert f'djangobin_task_runtime_seconds_bucket{{{mail},le="120.0"}} 8' in text
    assert f'djangobin_task_runtime_seconds_bucket{{{mail},le="+Inf"}} 8' in text
    assert f"djangobin_task_runtime_seconds_sum{{{mail}}} 0.9" in text
    assert 'actor="we\\"ird\\\\actor"' in text
    assert "djangobin_rabbitmq_up 0" in text
    assert "# TYPE djangobin_task_runtime_seconds histogram" in text


def test_the_task_page_shows_each_attempts_time_in_queue_from_when_it_was_asked_for(staff_client):
    # Given a task sent at t0, run at t1 until t2 (raised), its retry scheduled then and run at t5 after a backoff
    t0 = timezone.now() - dt.timedelta(minutes=1)
    t = [t0 + dt.timedelta(seconds=n) for n in range(7)]
    task = make_task(status="succeeded", retries=1, enqueued_at=t[0], queued_at=t[2], eta=t[4], started_at=t[5])
    TaskAttempt.objects.create(
        message_id=task.message_id, attempt=0, status="retrying", started_at=t[1], finished_at=t[2]
    )
    TaskAttempt.objects.create(
        message_id=task.message_id, attempt=1, status="succeeded", started_at=t[5], finished_at=t[6]
    )
    # Then the page and its JSON show 1 s before the first attempt, and the 3 s of backoff and wait before the retry
    page = staff_client.get(reverse("dashboard:task", args=[task.message_id])).content.decode()
    assert '<dd data-key="task:queue_time">3.000 s</dd>' in page
    assert '<td class="num">1.000 s</td>' in page and '<td class="num">3.000 s</td>' in page
    data = staff_client.get(reverse("dashboard:api_task", args=[task.message_id])).json()["task"]
    assert [attempt["queue_seconds"] for attempt in data["attempts"]] == [1.0, 3.0]
    assert data["queue_seconds"] == 3.0
