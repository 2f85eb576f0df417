"""Point 2: a message RabbitMQ delivers twice (a worker died before its ack, or the outbox republished after an
unconfirmed send) mails once: the worker records each delivered message id and skips it the second time."""

import pytest

pytestmark = pytest.mark.integration

SEND_TWICE = """
import dramatiq
from django.contrib.auth import get_user_model
from actors.mail import send_activation_mail, send_password_reset_mail
users = get_user_model().objects
new = users.create_user("new", "new@example.com", "pw-xyz-123456", is_active=False)
old = users.create_user("old", "old@example.com", "pw-xyz-123456")
import time
from delivery.models import DeliveredMessage
broker = dramatiq.get_broker()
messages = [send_activation_mail.message(new.pk, "http://t"), send_password_reset_mail.message(old.pk, "http://t")]
for message in messages:
    broker.enqueue(message)
deadline = time.monotonic() + 60
while DeliveredMessage.objects.filter(delivered_at__isnull=False).count() < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
for message in messages:  # as RabbitMQ redelivers a message whose worker died before the ack
    broker.enqueue(message)
"""


def test_an_activation_or_reset_message_delivered_twice_mails_once(system, smtp_server):
    worker = system.start_worker()
    system.shell(SEND_TWICE)

    worker.wait_for_log("was delivered already: this redelivery is skipped", count=2)
    assert sorted(rcpt for rcpts, _ in smtp_server.messages for rcpt in rcpts) == [
        "new@example.com",
        "old@example.com",
    ]
