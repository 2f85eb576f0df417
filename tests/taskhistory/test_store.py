"""Writes of task events: in whatever order they land, a task never moves backwards."""

import datetime as dt
import uuid

import dramatiq
import pytest
from django.utils import timezone
from dramatiq.broker import MessageProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskhistory import events
from taskhistory.models import Task, TaskAttempt, TaskStat
from taskhistory.store import events_write

pytestmark = pytest.mark.django_db

WORKER = {"host": "w1", "pid": 7}


def _message(retries=0, message_id=None, **options):
    """A message as worker-side hooks see it (a proxy that knows whether it failed)."""
    message = dramatiq.Message(
        queue_name="mail", actor_name="send_feedback_mail", args=(5,), kwargs={}, options=dict(options)
    )
    if message_id:
        message = message.copy(message_id=message_id)
    if retries:
        message.options["retries"] = retries
    return MessageProxy(message)


def _life_of_a_message_retried_once(base=None, message_id=None):
    """The events a message produces when its first attempt raises and its second succeeds, in true order."""
    base = base or timezone.now()
    at = [base + dt.timedelta(seconds=n) for n in range(8)]
    first = _message(message_id=message_id)
    try:
        raise ConnectionError("refused")
    except ConnectionError as raised:
        error = raised
    # The Retries middleware stores the same traceback in the retry's options.
    retry = MessageProxy(first.copy(options={"retries": 1, "traceback": events.exception_text(error)}))
    return [
        events.enqueued(first, None, at=at[0]),
        events.started(first, at=at[1], **WORKER),
        events.finished(first, retries=0, started_at=at[1], at=at[2], runtime_ms=3.0, exception=error, **WORKER),
        events.enqueued(retry, 15_000, at=at[3]),
        events.enqueued(retry, None, at=at[4]),
        events.started(retry, at=at[5], **WORKER),
        events.finished(retry, retries=1, started_at=at[5], at=at[6], runtime_ms=4.0, exception=None, **WORKER),
    ]


def _row(message_id):
    return Task.objects.values(
        "status", "retries", "started_at", "finished_at", "runtime_ms", "last_error", "queued_at", "worker_host"
    ).get(message_id=message_id)


def test_an_enqueued_write_landing_after_succeeded_changes_nothing():
    life = _life_of_a_message_retried_once()
    events_write(life)
    before = _row(life[0].message_id)
    events_write([life[0]])
    events_write([life[1]])
    assert _row(life[0].message_id) == before
    assert before["status"] == "succeeded"
    assert before["retries"] == 1
    assert before["last_error"] == "ConnectionError: refused"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(7)), batch=st.integers(min_value=1, max_value=7))
def test_whatever_order_and_batching_the_events_land_in_the_task_ends_the_same(order, batch):
    base, message_id = timezone.now(), str(uuid.uuid4())
    events_write(_life_of_a_message_retried_once(base, message_id))
    expected = _row(message_id)
    Task.objects.all().delete()

    life = _life_of_a_message_retried_once(base, message_id)
    shuffled = [life[n] for n in order]
    for start in range(0, len(shuffled), batch):
        events_write(shuffled[start : start + batch])

    assert _row(message_id) == expected
    assert expected["status"] == "succeeded"
    Task.objects.all().delete()
    TaskStat.objects.all().delete()


def test_a_dead_letter_keeps_a_failed_task_failed_and_adds_its_time():
    at = timezone.now()
    message = _message(retries=0)
    message.fail()
    events_write(
        [
            events.finished(
                message, retries=0, started_at=at, at=at, runtime_ms=1.0, exception=ValueError("bad"), **WORKER
            )
        ]
    )
    message.options["retries"] = 1  # the Retries middleware bumps the count before failing the message
    events_write([events.dead_lettered(message, at=at + dt.timedelta(seconds=1))])
    task = Task.objects.get()
    assert (task.status, task.retries, task.last_error) == ("failed", 0, "ValueError: bad")
    assert task.dead_lettered_at == at + dt.timedelta(seconds=1)


def test_a_message_rejected_before_any_attempt_is_recorded_as_failed_and_dead_lettered():
    events_write([events.dead_lettered(_message(), at=timezone.now())])
    task = Task.objects.get()
    assert task.status == "failed"
    assert task.dead_lettered_at is not None


def test_finished_attempts_are_counted_per_minute_with_their_run_times():
    events_write(_life_of_a_message_retried_once(base=timezone.now().replace(second=0, microsecond=0)))
    stat = TaskStat.objects.get()
    assert (stat.succeeded, stat.retried, stat.failed) == (1, 1, 0)
    assert stat.le_10ms == 2
    assert stat.runtime_sum_ms == pytest.approx(7.0)


def _dead_lettered(base):
    """A message whose only attempt failed for good and was dead-lettered, written as a worker writes it."""
    message = _message()
    message.fail()
    events_write(
        [
            events.finished(
                message, retries=0, started_at=base, at=base, runtime_ms=1.0, exception=ValueError("bad"), **WORKER
            )
        ]
    )
    events_write([events.dead_lettered(message, at=base + dt.timedelta(seconds=1))])
    return message


def test_a_dead_lettered_message_sent_again_under_its_own_id_starts_over_and_can_succeed():
    base = timezone.now()
    message = _dead_lettered(base)
    # `manage.py retrymail` puts it back on its queue with the same id and a fresh retry count.
    again = MessageProxy(dramatiq.Message(**{**message.asdict(), "options": {}}))
    events_write([events.enqueued(again, None, at=base + dt.timedelta(minutes=5))])
    requeued = Task.objects.get()
    assert (requeued.status, requeued.retries, requeued.dead_lettered_at) == ("enqueued", 0, None)

    events_write(
        [
            events.finished(
                again,
                retries=0,
                started_at=base + dt.timedelta(minutes=6),
                at=base + dt.timedelta(minutes=6),
                runtime_ms=2.0,
                exception=None,
                **WORKER,
            )
        ]
    )
    task = Task.objects.get()
    assert (task.status, task.runtime_ms, task.last_error) == ("succeeded", 2.0, "ValueError: bad")


def test_the_first_sends_enqueue_landing_after_the_dead_letter_does_not_revive_the_task():
    base = timezone.now()
    message = _dead_lettered(base)
    events_write([events.enqueued(message, None, at=base - dt.timedelta(seconds=1))])
    task = Task.objects.get()
    assert task.status == "failed"
    assert task.dead_lettered_at == base + dt.timedelta(seconds=1)


def test_each_attempt_keeps_its_own_outcome_error_worker_and_times():
    life = _life_of_a_message_retried_once()
    events_write(life[:4])
    events_write(life[4:])
    events_write([life[2]])  # a repeated write adds nothing
    first, second = TaskAttempt.objects.filter(message_id=life[0].message_id).order_by("attempt")
    assert (first.attempt, first.status, first.error, first.runtime_ms) == (
        0,
        "retrying",
        "ConnectionError: refused",
        3.0,
    )
    assert "Traceback" in first.traceback
    assert (second.attempt, second.status, second.error, second.runtime_ms) == (1, "succeeded", "", 4.0)
    assert (first.started_at, first.finished_at) == (life[1].at, life[2].at)
    assert (second.worker_host, second.worker_pid) == ("w1", 7)


def test_a_retrys_time_in_queue_counts_from_when_it_was_scheduled_not_from_when_its_backoff_ended():
    # Given a message whose first attempt raised: its retry scheduled at at[3], ready at at[4], started at at[5]
    life = _life_of_a_message_retried_once()
    # When the events land, in any order
    events_write(life[4:5])
    events_write(life[:4] + life[5:])
    # Then the task's time in queue is the whole wait, the backoff included, not the instant after it
    task = Task.objects.get(message_id=life[0].message_id)
    assert task.queued_at == life[3].at
    assert task.queue_seconds == (life[5].at - life[3].at).total_seconds() == 2.0


def test_an_enqueue_records_when_the_send_began_so_a_worker_starting_it_first_still_shows_the_wait():
    at = timezone.now()
    message = _message()
    events_write([events.enqueued(message, None, at=at, sent_at=at - dt.timedelta(milliseconds=30))])
    events_write([events.started(message, at=at - dt.timedelta(milliseconds=10), **WORKER)])
    assert Task.objects.get().queue_seconds == pytest.approx(0.020)
