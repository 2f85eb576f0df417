"""Operators' wishes reach the workers: a cancelled message is skipped, a paused queue is not consumed.

A real dramatiq Worker on a private StubBroker; `transactional_db` because the recorder writes from its own thread.
"""

import time

import dramatiq
import pytest
from dramatiq.broker import MessageProxy
from dramatiq.middleware import SkipMessage

from taskhistory import control as wishes
from taskhistory.models import Task
from tests.taskhistory.brokers import control, drain, running_worker, stub_broker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker():
    return stub_broker()


def test_a_cancelled_message_is_skipped_by_the_worker_and_recorded_as_cancelled(broker):
    ran = []

    @dramatiq.actor(broker=broker, queue_name="mail")
    def greet(name):
        ran.append(name)

    cancelled = greet.send("Ann")
    kept = greet.send("Bob")
    wishes.message_cancel(message_id=cancelled.message_id)
    with running_worker(broker) as worker:  # it reads the wishes as it boots
        drain(broker, worker)

    assert ran == ["Bob"]
    assert Task.objects.get(message_id=cancelled.message_id).status == "cancelled"
    assert Task.objects.get(message_id=kept.message_id).status == "succeeded"
    assert broker.dead_letters == []  # skipped and acked, not dead-lettered


def test_a_paused_queue_runs_nothing_and_its_messages_run_once_it_is_resumed(broker):
    ran = []

    @dramatiq.actor(broker=broker, queue_name="mail")
    def greet(name):
        ran.append(name)

    wishes.queue_pause(queue_name="mail")
    with running_worker(broker) as worker:
        control(broker).poll()
        assert worker.consumers["mail"].paused
        assert not worker.consumers["mail.DQ"].paused  # delayed messages still come back to their queue
        message = greet.send("Ann")
        time.sleep(1.0)
        assert ran == []

        wishes.queue_resume(queue_name="mail")
        control(broker).poll()
        assert not worker.consumers["mail"].paused
        drain(broker, worker)
    assert ran == ["Ann"]
    assert Task.objects.get(message_id=message.message_id).status == "succeeded"


def test_a_message_of_a_paused_queue_that_reaches_a_worker_thread_is_put_back_for_later(broker):
    @dramatiq.actor(broker=broker, queue_name="mail")
    def greet(name):
        raise AssertionError("a paused queue's message ran")

    message = greet.message("Ann")
    middleware = control(broker)
    middleware.paused = {"mail"}
    with pytest.raises(SkipMessage):
        middleware.before_process_message(broker, MessageProxy(message))
    assert wishes.skipped_as(message) is None  # the proxy carries the reason, not the message
    [again] = [dramatiq.Message.decode(data) for data in broker.queues["mail.DQ"].queue]
    assert again.message_id == message.message_id
    assert again.options["eta"] > 0
