"""The middleware records each message's life: run by a real dramatiq Worker on a private StubBroker.

These tests use `transactional_db` because the recorder writes from its own thread, on its own connection.
"""

import json
import logging
import os
import socket
import threading
import time

import dramatiq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dramatiq.middleware import Retries

from taskhistory import selectors
from taskhistory.middleware import history_flush
from taskhistory.models import Task, TaskStat, WorkerProcess
from tests.taskhistory.brokers import drain, history, running_worker, stub_broker

# serialized_rollback: leave the database as the next transactional test (tests/djangobin/test_purge.py) expects it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Permanent(Exception):
    pass


@pytest.fixture
def broker():
    return stub_broker()


def test_a_succeeded_message_is_recorded_with_its_arguments_times_and_worker(broker):
    @dramatiq.actor(broker=broker, queue_name="mail")
    def greet(name, *, punctuation):
        return None

    message = greet.send("Ann", punctuation="!")
    with running_worker(broker) as worker:
        drain(broker, worker)

    task = Task.objects.get(message_id=message.message_id)
    assert (task.actor_name, task.queue_name, task.status) == ("greet", "mail", "succeeded")
    assert (task.args_value, task.kwargs_value) == (["Ann"], {"punctuation": "!"})
    assert task.enqueued_at <= task.started_at <= task.finished_at
    assert task.runtime_ms is not None and task.runtime_ms >= 0
    assert (task.worker_host, task.worker_pid) == (socket.gethostname(), os.getpid())
    assert TaskStat.objects.get(actor_name="greet").succeeded == 1


def test_a_message_that_fails_for_good_keeps_its_traceback_and_is_marked_dead_lettered(broker):
    @dramatiq.actor(broker=broker, throws=(Permanent,))
    def doomed(n):
        raise Permanent(f"cannot do {n}")

    message = doomed.send(7)
    with running_worker(broker) as worker:
        drain(broker, worker)

    task = Task.objects.get(message_id=message.message_id)
    assert task.status == "failed"
    assert task.retries == 0
    assert task.last_error.endswith("Permanent: cannot do 7")
    assert "Traceback (most recent call last)" in task.traceback
    assert task.dead_lettered_at is not None
    assert len(broker.dead_letters) == 1
    assert TaskStat.objects.get(actor_name="doomed").failed == 1


def test_a_retried_message_shows_its_retry_count_and_last_error_and_then_succeeds(broker):
    calls = []

    @dramatiq.actor(broker=broker, max_retries=3)
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError(f"attempt {len(calls)} refused")

    message = flaky.send()
    with running_worker(broker) as worker:
        drain(broker, worker)

    task = Task.objects.get(message_id=message.message_id)
    assert len(calls) == 3
    assert (task.status, task.retries) == ("succeeded", 2)
    assert task.last_error == "ConnectionError: attempt 2 refused"
    stat = TaskStat.objects.get(actor_name="flaky")
    assert (stat.retried, stat.succeeded, stat.failed) == (2, 1, 0)


def test_each_attempt_of_a_message_retried_three_times_shows_the_backoff_it_waited_as_time_in_queue(broker):
    calls = []

    @dramatiq.actor(broker=broker, max_retries=5)
    def flaky_thrice():
        calls.append(1)
        if len(calls) <= 3:
            raise ConnectionError(f"attempt {len(calls)} refused")

    message = flaky_thrice.send()
    with running_worker(broker) as worker:
        drain(broker, worker)

    task = Task.objects.get(message_id=message.message_id)
    assert (task.status, task.retries) == ("succeeded", 3)
    # Retries waits at least its min_backoff before each retry: none of that wait is lost from the history
    min_backoff = next(m for m in broker.middleware if isinstance(m, Retries)).min_backoff / 1000
    waits = [attempt.waited_seconds for attempt in selectors.task_attempts(task)]
    assert len(waits) == 4 and all(wait >= min_backoff for wait in waits[1:]), waits
    assert task.queue_seconds == waits[3]
    assert task.eta is not None and task.queued_at < task.eta  # asked for first, due after its backoff


def test_a_message_that_runs_out_of_retries_counts_only_the_retries_it_had(broker):
    @dramatiq.actor(broker=broker, max_retries=1)
    def always_fails():
        raise ValueError("no")

    message = always_fails.send()
    with running_worker(broker) as worker:
        drain(broker, worker)

    task = Task.objects.get(message_id=message.message_id)
    assert (task.status, task.retries) == ("failed", 1)
    assert task.dead_lettered_at is not None


def test_a_delayed_message_is_recorded_as_delayed_with_its_eta_until_a_worker_runs_it(broker):
    @dramatiq.actor(broker=broker)
    def later():
        return None

    message = later.send_with_options(delay=60_000)
    task = Task.objects.get(message_id=message.message_id)
    assert task.status == "delayed"
    assert task.queue_name == "default"
    assert (task.eta - task.enqueued_at).total_seconds() == pytest.approx(60, abs=2)


def test_a_message_skipped_for_its_age_is_recorded_as_skipped_and_dead_lettered(broker):
    @dramatiq.actor(broker=broker, max_age=1)
    def stale():
        raise AssertionError("never runs")

    message = stale.message()
    message = message.copy(message_timestamp=message.message_timestamp - 60_000)
    broker.enqueue(message)
    with running_worker(broker) as worker:
        drain(broker, worker)

    task = Task.objects.get(message_id=message.message_id)
    assert task.status == "skipped"
    assert task.dead_lettered_at is not None


def test_a_worker_writes_a_heartbeat_while_running_and_removes_it_on_a_clean_stop(broker):
    @dramatiq.actor(broker=broker, queue_name="mail")
    def noop():
        return None

    noop.send()
    with running_worker(broker, threads=3) as worker:
        drain(broker, worker)
        history(broker).recorder.beat()
        row = WorkerProcess.objects.get(pid=os.getpid())
        assert (row.threads, row.queue_list, row.processed, row.in_flight) == (3, ["mail"], 1, 0)
    assert not WorkerProcess.objects.exists()


def test_a_database_that_cannot_be_written_never_stops_messages_from_being_processed(broker, caplog):
    ran = []

    @dramatiq.actor(broker=broker)
    def important():
        ran.append(1)

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE taskhistory_task RENAME TO taskhistory_task_away")
    try:
        with caplog.at_level(logging.WARNING), running_worker(broker) as worker:
            important.send()
            drain(broker, worker)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE taskhistory_task_away RENAME TO taskhistory_task")

    assert ran == [1]
    assert broker.dead_letters == []
    assert "Could not record" in caplog.text
    assert not Task.objects.exists()


def test_stored_options_leave_out_the_traceback_which_has_its_own_column(broker):
    @dramatiq.actor(broker=broker, max_retries=1)
    def once_more():
        raise ValueError("x")

    message = once_more.send()
    with running_worker(broker) as worker:
        drain(broker, worker)
    options = json.loads(Task.objects.get(message_id=message.message_id).options)
    assert "traceback" not in options
    assert "retries" in options


def test_a_long_running_message_shows_as_running_on_its_worker_before_it_finishes(broker):
    release = threading.Event()

    @dramatiq.actor(broker=broker)
    def slow():
        release.wait(10)

    message = slow.send()
    with running_worker(broker) as worker:
        recorder = history(broker).recorder
        deadline = time.monotonic() + 10
        while recorder.stats.in_flight == 0 and time.monotonic() < deadline:
            release.wait(0.01)
        recorder.flush()
        running = Task.objects.get(message_id=message.message_id)
        release.set()
        drain(broker, worker)

    assert running.status == "running"
    assert (running.worker_host, running.worker_pid) == (socket.gethostname(), os.getpid())
    assert running.started_at is not None
    assert Task.objects.get(message_id=message.message_id).status == "succeeded"


def test_outside_tests_a_sending_thread_does_no_database_work_and_a_flush_writes_what_it_sent(broker, settings):
    settings.TASKHISTORY_IMMEDIATE = False  # production: a background thread writes

    @dramatiq.actor(broker=broker, queue_name="mail")
    def notify(user_id):
        return None

    with CaptureQueriesContext(connection) as queries:
        message = notify.send(41)
    assert len(queries) == 0
    try:
        history_flush(broker)
        task = Task.objects.get(message_id=message.message_id)
        assert (task.status, task.args_value) == ("enqueued", [41])
    finally:
        history(broker).recorder.stop()
