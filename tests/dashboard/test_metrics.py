"""/dashboard/metrics as Prometheus reads it: parsed by prometheus_client, counters that never go down."""

import datetime as dt

import dramatiq
import pytest
from django.urls import reverse
from django.utils import timezone
from dramatiq.broker import MessageProxy
from prometheus_client.parser import text_string_to_metric_families

from delivery.models import OutboxMessage
from taskhistory import events
from taskhistory.prune import history_prune
from taskhistory.store import events_write
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db
WORKER = {"host": "w1", "pid": 7}


def _samples(client):
    response = client.get(reverse("dashboard:metrics"))
    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.content.decode())}
    return families, {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}


def _finished(*, at, runtime_ms, actor="send_feedback_mail", queue="mail"):
    sent = int(at.timestamp() * 1000)
    message = dramatiq.Message(
        queue_name=queue, actor_name=actor, args=(1,), kwargs={}, options={}, message_timestamp=sent
    )  # fmt: skip
    message = MessageProxy(message)
    return events.finished(message, retries=0, started_at=at, at=at, runtime_ms=runtime_ms, exception=None, **WORKER)


def test_the_exposition_parses_and_its_counters_do_not_go_down_when_the_history_is_pruned(staff_client):
    long_ago = timezone.now() - dt.timedelta(days=30)
    events_write([_finished(at=long_ago, runtime_ms=5.0), _finished(at=long_ago, runtime_ms=50.0)])
    events_write([_finished(at=timezone.now(), runtime_ms=5.0)])
    families, before = _samples(staff_client)
    assert families["djangobin_task_attempts"].type == "counter"
    assert families["djangobin_task_runtime_seconds"].type == "histogram"
    labels = (("actor", "send_feedback_mail"), ("outcome", "succeeded"), ("queue", "mail"))
    assert before[("djangobin_task_attempts_total", labels)] == 3

    pruned = history_prune(days=7)
    assert pruned["tasks"] == 2 and pruned["stats"] == 1

    _, after = _samples(staff_client)
    counters = [key for key in before if key[0].endswith(("_total", "_bucket", "_count", "_sum"))]
    assert counters
    assert all(after[key] >= before[key] for key in counters)
    assert after[("djangobin_task_attempts_total", labels)] == 3


def test_latency_is_the_age_of_the_oldest_ready_message_of_each_queue(staff_client):
    make_task(status="enqueued", queue_name="mail", queued_at=timezone.now() - dt.timedelta(seconds=90))
    make_task(status="enqueued", queue_name="mail", queued_at=timezone.now() - dt.timedelta(seconds=10))
    make_task(status="succeeded", queue_name="mail", queued_at=timezone.now() - dt.timedelta(hours=1))
    _, samples = _samples(staff_client)
    assert 90 <= samples[("djangobin_queue_latency_seconds", (("queue", "mail"),))] < 100
    assert samples[("djangobin_queue_latency_seconds", (("queue", "maintenance"),))] == 0


def test_a_retry_is_ready_only_from_its_eta_so_its_backoff_is_not_queue_latency(staff_client):
    # Given a retry scheduled 5 minutes ago with a backoff that ended 20 s ago, now ready in the queue
    now = timezone.now()
    make_task(
        status="enqueued",
        queue_name="highlight",
        retries=2,
        queued_at=now - dt.timedelta(minutes=5),
        eta=now - dt.timedelta(seconds=20),
    )
    _, samples = _samples(staff_client)
    assert 20 <= samples[("djangobin_queue_latency_seconds", (("queue", "highlight"),))] < 30


def test_scheduler_jobs_report_their_last_success_and_whether_a_run_was_missed(staff_client):
    from scheduler.models import JobRun
    from scheduler.selectors import job_get

    job = job_get("remove_snippets")
    finished = timezone.now() - dt.timedelta(hours=2)
    task = make_task(status="succeeded", finished_at=finished)
    JobRun.objects.create(job=job.name, fire_time=finished, outcome="enqueued", message_id=task.message_id)
    _, samples = _samples(staff_client)
    last = samples[("djangobin_scheduler_job_last_success_timestamp_seconds", (("job", job.name),))]
    assert last == pytest.approx(finished.timestamp(), abs=0.01)
    assert ("djangobin_scheduler_job_missed", (("job", job.name),)) in samples


def test_parked_and_waiting_outbox_rows_are_reported_apart(staff_client):
    now = timezone.now()
    for number, parked_at in enumerate([None, now, now]):
        OutboxMessage.objects.create(
            message_id=f"m-{number}",
            actor_path="actors.mail.gone",
            queue_name="mail",
            actor_name="gone",
            message_timestamp=0,
            available_at=now,
            parked_at=parked_at,
        )
    _, samples = _samples(staff_client)
    assert samples["djangobin_outbox_messages", (("state", "parked"),)] == 2
    assert samples["djangobin_outbox_messages", (("state", "waiting"),)] == 1
