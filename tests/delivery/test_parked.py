from datetime import timedelta

import dramatiq
import pytest
from django.utils import timezone

from delivery import outbox
from delivery.models import OutboxMessage
from delivery.parked import OutboxMessageNotParked, outbox_message_retry, outbox_parked_count, outbox_parked_messages

pytestmark = pytest.mark.django_db


def park(row):
    OutboxMessage.objects.filter(pk=row.pk).update(
        parked_at=timezone.now(), failures=outbox.PARK_AFTER_FAILURES, last_error="ImportError: renamed"
    )


def test_parked_messages_are_listed_and_counted_apart_from_the_waiting_ones():
    waiting = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))
    parked = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(2,))
    park(parked)

    assert [row.message_id for row in outbox_parked_messages()] == [parked.message_id]
    assert outbox_parked_count() == 1
    assert waiting.message_id not in {row.message_id for row in outbox_parked_messages()}


def test_a_retried_message_is_unparked_with_its_failures_reset_and_the_next_pass_sends_it(broker):
    row = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))
    park(row)
    OutboxMessage.objects.update(available_at=timezone.now() + timedelta(hours=1))

    retried = outbox_message_retry(message_id=row.message_id)

    assert (retried.parked_at, retried.failures) == (None, 0)
    assert outbox.outbox_relay_once() == (1, False)
    assert [dramatiq.Message.decode(m).message_id for m in broker.queues["mail"].queue] == [row.message_id]


def test_retrying_a_message_that_is_not_parked_says_so():
    row = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(1,))
    with pytest.raises(OutboxMessageNotParked):
        outbox_message_retry(message_id=row.message_id)
    with pytest.raises(OutboxMessageNotParked):
        outbox_message_retry(message_id="no-such-id")
