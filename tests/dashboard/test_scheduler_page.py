"""The scheduler page: each job's next and last run, the daemons' heartbeats, red when the daemon is silent for
more than two minutes or the last due purge was missed; and running a job now."""

import datetime as dt

import dramatiq
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from scheduler.cron import latest_fire_time
from scheduler.models import JobRun, SchedulerHeartbeat
from scheduler.selectors import job_get
from scheduler.triggers import job_trigger
from taskhistory.models import Task
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db

PURGE = "remove_snippets"


def last_midnight_purge(now):
    """The purge's latest fire time that should have run by `now` (its cron read as the daemon reads it)."""
    trigger = job_trigger(job_get(PURGE))
    return latest_fire_time(trigger, now - dt.timedelta(minutes=2), since=now - dt.timedelta(days=2))


def daemon(*, beat_ago, stopped=False, leading=True):
    now = timezone.now()
    return SchedulerHeartbeat.objects.create(
        instance=f"web1:{4000 + SchedulerHeartbeat.objects.count()}:abc123",
        hostname="web1",
        pid=4000,
        started_at=now - dt.timedelta(days=3),
        beat_at=now - beat_ago,
        stopped_at=now if stopped else None,
        leading=leading,
    )


def ledger_since_last_week():
    """The purge's ledger as a daemon running for a week leaves it: an earlier run, registered long ago."""
    now = timezone.now()
    old = JobRun.objects.create(
        job=PURGE, fire_time=now - dt.timedelta(days=7), outcome="enqueued", enqueued_at=now - dt.timedelta(days=7)
    )
    JobRun.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=8))


def purge_sent(fire_time, status="succeeded"):
    task = make_task(status=status, actor_name=PURGE, queue_name="maintenance", args=[])
    JobRun.objects.create(
        job=PURGE,
        fire_time=fire_time,
        outcome="enqueued",
        attempts=1,
        enqueued_at=fire_time + dt.timedelta(milliseconds=40),
        message_id=task.message_id,
    )
    return task


def purge_of(data):
    [job] = [job for job in data["jobs"] if job["name"] == PURGE]
    return job


def state(client):
    return client.get(reverse("dashboard:api_scheduler")).json()


def test_a_live_daemon_that_sent_the_last_purge_is_green_and_the_page_shows_its_runs(staff_client):
    ledger_since_last_week()
    due = last_midnight_purge(timezone.now())
    task = purge_sent(due)
    daemon(beat_ago=dt.timedelta(seconds=5))

    data = state(staff_client)
    job = purge_of(data)
    assert data["healthy"] is True, data["problems"]
    assert {job["name"] for job in data["jobs"]} == {PURGE, "remove_expired_snippets", "prune_task_history"}
    assert job["cron"] == "0 0 * * *"
    assert dt.datetime.fromisoformat(job["next_fire_time"]) > timezone.now()
    assert (job["last_run"]["outcome"], job["last_run"]["task_status"]) == ("enqueued", "succeeded")
    assert job["missed"] is False
    assert data["daemons"][0]["leading"] is True
    page = staff_client.get(reverse("dashboard:scheduler")).content.decode()
    assert "health-ok" in page and "health-bad" not in page
    assert reverse("dashboard:task", args=[task.message_id]) in page


def test_a_heartbeat_older_than_two_minutes_turns_the_page_red(staff_client):
    ledger_since_last_week()
    purge_sent(last_midnight_purge(timezone.now()))
    daemon(beat_ago=dt.timedelta(minutes=3))
    data = state(staff_client)
    assert data["healthy"] is False
    assert "heartbeat is 180 s old" in data["problems"][0]
    assert "health-bad" in staff_client.get(reverse("dashboard:scheduler")).content.decode()


def test_no_running_daemon_turns_the_page_red(staff_client):
    ledger_since_last_week()
    purge_sent(last_midnight_purge(timezone.now()))
    daemon(beat_ago=dt.timedelta(seconds=2), stopped=True)
    data = state(staff_client)
    assert data["healthy"] is False
    assert data["problems"] == ["No scheduler daemon is running (none has written a heartbeat and is still up)."]


def test_a_missed_midnight_purge_turns_the_page_red_even_with_a_live_daemon(staff_client):
    ledger_since_last_week()
    due = last_midnight_purge(timezone.now())
    JobRun.objects.create(job=PURGE, fire_time=due, outcome="retrying", attempts=3, last_error="AMQPConnectionError")
    daemon(beat_ago=dt.timedelta(seconds=5))
    data = state(staff_client)
    job = purge_of(data)
    assert job["missed"] is True
    assert data["healthy"] is False
    assert "remove_snippets: the run due at" in data["problems"][0]
    page = staff_client.get(reverse("dashboard:scheduler")).content.decode()
    assert "missed" in page and "AMQPConnectionError" in page


def test_a_purge_due_before_any_scheduler_knew_of_it_is_not_called_missed(staff_client):
    JobRun.objects.create(job=PURGE, fire_time=timezone.now() + dt.timedelta(hours=20))  # registered just now
    daemon(beat_ago=dt.timedelta(seconds=5))
    data = state(staff_client)
    assert purge_of(data)["missed"] is False
    assert data["healthy"] is True


def test_running_a_job_now_sends_its_message_records_a_manual_run_and_is_logged(staff_client, staff, broker):
    url = reverse("dashboard:scheduler_job_run", args=[PURGE])
    assert b"Run remove_snippets now" in staff_client.get(url).content

    response = staff_client.post(url, {"confirm": "yes"})

    [raw] = [dramatiq.Message.decode(data) for data in broker.queues["maintenance"].queue]
    assert raw.actor_name == PURGE
    run = JobRun.objects.get(manual=True)
    assert (run.job, run.outcome, run.message_id) == (PURGE, "enqueued", raw.message_id)
    assert response["Location"] == reverse("dashboard:task", args=[raw.message_id])
    assert Task.objects.get(message_id=raw.message_id).status == "enqueued"
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id) == (staff, str(run.pk))
    assert raw.message_id in entry.change_message


def test_running_an_unknown_job_says_so_and_sends_nothing(staff_client, broker):
    response = staff_client.post(reverse("dashboard:scheduler_job_run", args=["send_fax"]), {"confirm": "yes"})
    assert b"no job &#x27;send_fax&#x27;" in staff_client.get(response["Location"]).content
    assert all(queue.qsize() == 0 for queue in broker.queues.values())
    assert not JobRun.objects.filter(manual=True).exists()  # the required jobs' scheduled rows are all there is
