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
broker = dramatiq.get_broker()
for message in (send_activation_mail.message(new.pk, "http://t"), send_password_reset_mail.message(old.pk, "http://t")):
    broker.enqueue(message)
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
