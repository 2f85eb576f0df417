"""Counts read as English on the dashboard's pages and in the live values that refresh them: "1 worker process"."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.wording import counted
from taskhistory.models import BulkOperation, WorkerProcess
from tests.taskhistory.factories import make_stat, make_task

pytestmark = pytest.mark.django_db


def worker(pid):
    now = timezone.now()
    return WorkerProcess.objects.create(host="w1", pid=pid, started_at=now - dt.timedelta(minutes=1), last_seen=now)


def test_counted_takes_the_singular_for_one_only():
    assert [counted(n, "worker process", "worker processes") for n in (0, 1, 2)] == [
        "0 worker processes", "1 worker process", "2 worker processes",
    ]  # fmt: skip


def test_one_worker_reads_as_one_worker_process_on_the_pages_and_in_their_live_values(staff_client):
    worker(1)
    overview = staff_client.get(reverse("dashboard:overview")).content.decode()
    workers = staff_client.get(reverse("dashboard:workers")).content.decode()
    assert ">1 live worker process</span>" in overview and "processes" not in overview.split("live worker")[1][:20]
    assert ">1 worker process</span> heard from recently" in workers
    assert staff_client.get(reverse("dashboard:api_overview")).json()["live"]["workers:live:text"] == (
        "1 live worker process"
    )
    worker(2)
    assert staff_client.get(reverse("dashboard:api_workers")).json()["live"]["workers:count:text"] == (
        "2 worker processes"
    )


def test_one_matching_task_and_one_attempt_read_in_the_singular(staff_client):
    make_task(status="failed", actor_name="send_feedback_mail")
    tasks = staff_client.get(reverse("dashboard:tasks")).content.decode()
    assert ">1 matching task</span>, newest first." in tasks
    assert staff_client.get(reverse("dashboard:api_tasks")).json()["live"]["tasks:count:text"] == "1 matching task"
    make_stat(minute=timezone.now(), succeeded=1)
    actor = staff_client.get(reverse("dashboard:api_actor", args=["send_feedback_mail"])).json()
    assert actor["live"]["actor:1h:attempts:text"] == "1 attempt"
    page = staff_client.get(reverse("dashboard:actor", args=["send_feedback_mail"])).content.decode()
    assert ">1 attempt</span>" in page


def test_a_bulk_operation_of_one_task_names_it_in_the_singular():
    assert str(BulkOperation(action="retry", total=1)) == "Retry 1 task"
    assert str(BulkOperation(action="retry", total=3)) == "Retry 3 tasks"
