from datetime import timedelta

import dramatiq
import pytest
from django.db import transaction
from django.utils import timezone

from delivery import outbox
from delivery.models import OutboxMessage
from djangobin.models import Feedback
from djangobin.queue import enqueue_on_commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def _queued(broker, queue="mail"):
    return [dramatiq.Message.decode(m) for m in broker.queues[queue].queue]


def test_the_message_is_stored_with_the_data_and_published_right_after_commit(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        feedback = Feedback.objects.create(name="Ann", email="a@example.com", purpose="bug", message="m")
        row = enqueue_on_commit("actors.mail.send_feedback_mail", feedback.pk)
    assert OutboxMessage.objects.get().message_id == row.message_id
    assert broker.queues.get("mail") is None or broker.queues["mail"].empty()

    for callback in callbacks:
        callback()

    [message] = _queued(broker)
    assert (message.message_id, message.actor_name, message.args) == (
        row.message_id,
        "send_feedback_mail",
        (feedback.pk,),
    )
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_transaction_leaves_neither_a_row_nor_a_message(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit("actors.mail.send_feedback_mail", 1)
        raise RuntimeError("the request failed")
    assert not OutboxMessage.objects.exists()
    assert "mail" not in broker.queues or broker.queues["mail"].empty()


def test_a_fresh_row_belongs_to_its_writer_until_the_lease_runs_out(broker):
    outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))
    assert outbox.outbox_relay_once() == (0, False)
    assert OutboxMessage.objects.count() == 1


def test_the_relay_publishes_a_row_whose_lease_ran_out_under_its_stored_message_id(broker):
    row = outbox.outbox_add(actor_path="actors.mail.send_activation_mail", args=(7, "https://paste.example.org"))
    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))

    assert outbox.outbox_relay_once() == (1, False)

    [message] = _queued(broker)
    assert message.message_id == row.message_id
    assert message.args == (7, "https://paste.example.org")
    assert not OutboxMessage.objects.exists()


def test_two_relays_never_claim_the_same_row():
    outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))
    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))
    seen_by_first = OutboxMessage.objects.get()
    seen_by_second = OutboxMessage.objects.get()
    now = timezone.now()

    assert outbox._claim(seen_by_first, now) is True
    assert outbox._claim(seen_by_second, now) is False
    assert OutboxMessage.objects.get().available_at > now
