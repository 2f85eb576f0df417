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


COPY_OF_THE_CLAIMED_MESSAGE = """
import dramatiq
import actors.mail
from delivery.models import DeliveredMessage
from djangobin.models import Feedback
claimed = DeliveredMessage.objects.get(delivered_at__isnull=True)
actor = dramatiq.get_broker().get_actor(claimed.actor_name)
copy = dramatiq.Message(queue_name=actor.queue_name, actor_name=actor.actor_name, args=(Feedback.objects.get().pk,),
                        kwargs={}, options={}, message_id=claimed.message_id)
dramatiq.get_broker().enqueue(copy)  # as the outbox does when a publisher confirm was lost
"""


def test_a_copy_arriving_while_a_slow_smtp_server_keeps_the_attempt_going_waits_instead_of_mailing_twice(
    make_system, smtp_server
):
    # Given a mail server that answers each command just under EMAIL_TIMEOUT, and ten recipients: one attempt takes
    # over 15 s, longer than three EMAIL_TIMEOUTs (the lease once derived from them) and well under the time limit
    timeout, admins = 2, 10
    smtp_server.handler.rcpt_stall_seconds = 0.75 * timeout
    everyone = ", ".join(f"Admin {n} <admin{n}@example.com>" for n in range(admins))
    system = make_system(env={"EMAIL_TIMEOUT": str(timeout), "DJANGO_ADMINS": everyone})
    worker = system.start_worker(threads=2)
    system.shell(
        "from djangobin.services.feedback import feedback_create\n"
        "feedback_create(name='Ann', email='ann@example.com', purpose='bug', message='slow server')\n"
    )
    # When a copy of the message arrives once the attempt has run longer than that old lease
    # (six RCPTs: 7.5 s in, and four more, 6 s, for the copy to arrive while the attempt still runs)
    smtp_server.wait_until(lambda: smtp_server.handler.rcpt_attempts >= 6, timeout=60, what="6 RCPT commands")
    system.shell(COPY_OF_THE_CLAIMED_MESSAGE)
    # Then the copy is put off until the running attempt's lease ends, and that attempt mails once
    worker.wait_for_log("Retrying message")
    [(recipients, _)] = smtp_server.wait_for(1, timeout=60)
    assert len(recipients) == admins
    smtp_server.wait_until(lambda: smtp_server.handler.stalling == 0, what="the server's last answer")
    assert smtp_server.handler.rcpt_attempts == admins
    assert "taking it over" not in worker.log()
    assert len(smtp_server.messages) == 1
