"""Worker heartbeats: a worker silent past the drop age is forgotten, and the tasks it was running are marked lost."""

import datetime as dt

import pytest
from django.utils import timezone

from taskhistory import conf
from taskhistory.heartbeat import workers_silent_drop
from taskhistory.models import Task, WorkerProcess
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db


def _worker(pid, silent_for):
    now = timezone.now()
    return WorkerProcess.objects.create(host="w1", pid=pid, started_at=now, last_seen=now - silent_for)


def test_tasks_running_on_a_worker_whose_heartbeat_is_gone_are_marked_lost():
    _worker(1, dt.timedelta(seconds=conf.WORKER_DROP_SECONDS + 5))
    _worker(2, dt.timedelta(seconds=1))
    dead = make_task(status="running", worker_host="w1", worker_pid=1)
    alive = make_task(status="running", worker_host="w1", worker_pid=2)
    done = make_task(status="succeeded", worker_host="w1", worker_pid=1)

    assert workers_silent_drop() == 1

    statuses = dict(Task.objects.values_list("pk", "status"))
    assert (statuses[dead.pk], statuses[alive.pk], statuses[done.pk]) == ("lost", "running", "succeeded")
    assert list(WorkerProcess.objects.values_list("pid", flat=True)) == [2]
