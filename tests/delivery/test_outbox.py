from datetime import timedelta

import dramatiq
import pytest
from django.db import transaction
from django.utils import timezone

from delivery import outbox
from delivery.broker import QueueMismatch
from delivery.models import OutboxMessage
from delivery.outbox import enqueue_on_commit
from djangobin.models import Feedback

pytestmark = pytest.mark.django_db


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


def _due():
    OutboxMessage.objects.filter(parked_at__isnull=True).update(available_at=timezone.now() - timedelta(seconds=1))


def _poisoned_row():
    """A row written before a deploy renamed its actor away: its actor path no longer imports."""
    row = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))
    OutboxMessage.objects.filter(pk=row.pk).update(
        actor_path="actors.mail.send_feedback_mail_v0", actor_name="send_feedback_mail_v0"
    )
    return row


def test_a_row_that_cannot_be_sent_does_not_hold_up_the_rows_behind_it_and_is_parked_with_its_error(broker, caplog):
    poisoned = _poisoned_row()
    good = [outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(n,)) for n in (2, 3)]
    _due()

    assert outbox.outbox_relay_once() == (2, False)
    assert {m.message_id for m in _queued(broker)} == {row.message_id for row in good}
    row = OutboxMessage.objects.get()
    assert (row.message_id, row.failures, row.parked_at) == (poisoned.message_id, 1, None)
    assert "send_feedback_mail_v0" in row.last_error and "RabbitMQ" not in row.last_error

    for _ in range(outbox.PARK_AFTER_FAILURES - 1):
        _due()
        assert outbox.outbox_relay_once() == (0, False)
    _due()
    assert outbox.outbox_relay_once() == (0, False)  # parked: not even tried

    row = OutboxMessage.objects.get()
    assert row.parked_at is not None
    assert row.failures == outbox.PARK_AFTER_FAILURES
    assert row.last_error.startswith("ImportError") and "send_feedback_mail_v0" in row.last_error
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert poisoned.message_id in errors[0].getMessage() and "parked" in errors[0].getMessage()


def test_an_unreachable_rabbitmq_is_told_apart_from_a_bad_row():
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    closed_port = RabbitmqBroker(url="amqp://guest:guest@127.0.0.1:1/?connection_attempts=1", middleware=[])
    with pytest.raises(Exception) as refused:
        closed_port.enqueue(dramatiq.Message(queue_name="q", actor_name="a", args=(), kwargs={}, options={}))

    assert outbox.broker_wide(refused.value)
    assert not outbox.broker_wide(ImportError("Module has no attribute send_feedback_mail_v0"))
    assert not outbox.broker_wide(dramatiq.errors.ActorNotFound("send_feedback_mail_v0"))


def test_a_direct_publish_of_a_bad_row_does_not_pause_direct_publishing_for_everyone(broker, monkeypatch):
    monkeypatch.setattr(outbox, "_direct_paused_until", 0.0)
    poisoned = _poisoned_row()

    outbox.outbox_publish_after_commit(OutboxMessage.objects.get(pk=poisoned.pk))

    assert outbox._direct_paused_until == 0.0
    assert OutboxMessage.objects.get().failures == 1
    good = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(2,))
    outbox.outbox_publish_after_commit(good)
    assert [m.message_id for m in _queued(broker)] == [good.message_id]


def _queue_mismatch(message, *, delay=None):
    raise QueueMismatch("RabbitMQ's queue 'mail' exists with another type or other arguments than these settings")


def test_a_queue_declared_otherwise_holds_every_row_uncounted_until_the_queues_are_redeclared(broker, monkeypatch):
    # Given held rows, and RabbitMQ's queues declared otherwise than the settings (a queue type switch under way)
    rows = [outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(n,)) for n in (1, 2, 3)]
    monkeypatch.setattr(broker, "enqueue", _queue_mismatch)

    # When the relay tries them for longer than a bad row would take to be parked
    for _ in range(outbox.PARK_AFTER_FAILURES + 2):
        _due()
        assert outbox.outbox_relay_once() == (0, True)

    # Then no row is counted or parked
    assert list(OutboxMessage.objects.values_list("failures", "parked_at")) == [(0, None)] * 3
    assert "QueueMismatch" in OutboxMessage.objects.get(pk=rows[0].pk).last_error

    # And once the queues are redeclared the next pass sends every held row
    monkeypatch.undo()
    _due()
    assert outbox.outbox_relay_once() == (3, False)
    assert [m.message_id for m in _queued(broker)] == [row.message_id for row in rows]


def test_a_direct_publish_refused_for_a_queue_mismatch_is_left_to_the_relay_uncounted(broker, monkeypatch):
    monkeypatch.setattr(outbox, "_direct_paused_until", 0.0)
    monkeypatch.setattr(outbox._publisher, "send", lambda row: _queue_mismatch(None))
    row = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))

    outbox.outbox_publish_after_commit(row)

    held = OutboxMessage.objects.get()
    assert (held.failures, held.parked_at) == (0, None)
    assert held.available_at <= timezone.now()  # the relay may take it at once
