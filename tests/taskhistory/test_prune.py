"""History older than TASKHISTORY_RETENTION_DAYS is pruned by an actor; recent and still-open tasks stay."""

import datetime as dt

import dramatiq
import pytest
from django.utils import timezone

from actors.dashboard import prune_task_history
from scheduler.cron import latest_fire_time
from scheduler.daemon import SchedulerDaemon
from scheduler.models import JobRun
from scheduler.selectors import job_get
from scheduler.triggers import job_trigger
from taskhistory.models import Task, TaskStat, WorkerProcess
from taskhistory.prune import history_prune
from tests.scheduler.conftest import pause_all_but
from tests.taskhistory.factories import make_stat, make_task

pytestmark = pytest.mark.django_db


def test_finished_tasks_and_counts_older_than_the_retention_are_deleted(settings):
    settings.TASKHISTORY_RETENTION_DAYS = 7
    now = timezone.now()
    old = [make_task(status=status, ago=dt.timedelta(days=8)) for status in ("succeeded", "failed", "skipped")]
    kept = make_task(status="succeeded", ago=dt.timedelta(days=6))
    make_stat(minute=now - dt.timedelta(days=8))
    recent_stat = make_stat(minute=now - dt.timedelta(days=1))

    prune_task_history.fn()

    assert list(Task.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(TaskStat.objects.values_list("pk", flat=True)) == [recent_stat.pk]
    assert len(old) == 3


def test_an_old_task_still_open_stays_until_it_has_been_silent_for_the_whole_retention(settings):
    now = timezone.now()
    waiting = make_task(status="retrying", ago=dt.timedelta(days=8), updated_at=now - dt.timedelta(hours=1))
    lost = make_task(status="running", ago=dt.timedelta(days=9), updated_at=now - dt.timedelta(days=8))
    history_prune(days=7)
    assert Task.objects.filter(pk=waiting.pk).exists()
    assert not Task.objects.filter(pk=lost.pk).exists()


def test_pruning_deletes_in_batches_and_reports_what_it_deleted(settings, monkeypatch):
    monkeypatch.setattr("taskhistory.prune.PRUNE_BATCH", 2)
    for _ in range(5):
        make_task(ago=dt.timedelta(days=30))
    WorkerProcess.objects.create(
        host="gone", pid=1, started_at=timezone.now(), last_seen=timezone.now() - dt.timedelta(hours=2)
    )
    assert history_prune(days=7) == {"tasks": 5, "stats": 0, "workers": 1}
    assert not Task.objects.exists()


def test_the_scheduler_enqueues_the_prune_every_day_and_its_message_prunes_the_history(broker):
    pause_all_but("prune_task_history")  # the expiry sweep's fire times fall due every five minutes of the day
    job = job_get("prune_task_history")
    assert (job.crontab, job.actor, job.required) == ("30 0 * * *", "prune_task_history", True)
    now = timezone.now()
    due = latest_fire_time(job_trigger(job), now, since=now - dt.timedelta(days=2))
    JobRun.objects.create(job=job.name, fire_time=due - dt.timedelta(days=1))  # registered by an earlier daemon
    old, recent = make_task(ago=dt.timedelta(days=10)), make_task(ago=dt.timedelta(hours=1))
    daemon = SchedulerDaemon(clock=lambda: now, lease_seconds=30, listen=False)
    daemon.sync()
    assert daemon.heartbeat()

    [run] = daemon.catch_up()

    [message] = [dramatiq.Message.decode(data) for data in broker.queues["maintenance"].queue]
    assert (run.fire_time, message.actor_name, message.message_id) == (due, "prune_task_history", run.message_id)
    broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)
    assert list(Task.objects.exclude(actor_name="prune_task_history").values_list("pk", flat=True)) == [recent.pk]
    assert not Task.objects.filter(pk=old.pk).exists()
