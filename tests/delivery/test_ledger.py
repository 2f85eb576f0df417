import dramatiq
import pytest
from django.core import mail
from dramatiq import Worker

from actors.mail import send_activation_mail
from delivery.ledger import delivered_prune
from delivery.models import DeliveredMessage
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    yield broker
    worker.stop()
    broker.flush_all()


def test_a_message_delivered_twice_mails_once(worker):
    broker = worker
    user = make_user(is_active=False)
    message = send_activation_mail.message(user.pk, "http://testserver")

    broker.enqueue(message)
    broker.join("mail")
    broker.enqueue(message)  # what RabbitMQ does after a worker died before its ack
    broker.join("mail")

    assert len(mail.outbox) == 1
    assert DeliveredMessage.objects.filter(message_id=message.message_id).count() == 1


def test_two_messages_for_the_same_user_are_two_mails(worker):
    broker = worker
    user = make_user(is_active=False)
    send_activation_mail.send(user.pk, "http://testserver")
    send_activation_mail.send(user.pk, "http://testserver")  # the user asked for a new link
    broker.join("mail")
    assert len(mail.outbox) == 2


def test_old_delivery_records_are_pruned():
    from datetime import timedelta

    from django.utils import timezone

    DeliveredMessage.objects.create(message_id="old", actor_name="a", delivered_at=timezone.now() - timedelta(days=40))
    DeliveredMessage.objects.create(message_id="new", actor_name="a")
    assert delivered_prune(older_than=timezone.now() - timedelta(days=30)) == 1
    assert list(DeliveredMessage.objects.values_list("message_id", flat=True)) == ["new"]
