import dramatiq
import pytest
from django.core import mail

from actors.mail import send_activation_mail, send_feedback_mail, send_password_reset_mail_to
from delivery.ledger import delivered_prune
from delivery.models import DeliveredMessage
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_worker():
    """Run the next calls as a worker processing a message (what dramatiq's CurrentMessage middleware does)."""
    from dramatiq.middleware import CurrentMessage

    tokens = []
    yield lambda message: tokens.append(CurrentMessage._MESSAGE.set(message))
    for token in reversed(tokens):
        CurrentMessage._MESSAGE.reset(token)


def test_a_message_delivered_twice_mails_once(as_worker):
    user = make_user(is_active=False)
    message = send_activation_mail.message(user.pk, "http://testserver")

    as_worker(message)
    send_activation_mail(user.pk, "http://testserver")
    send_activation_mail(user.pk, "http://testserver")  # what RabbitMQ does after a worker died before its ack

    assert len(mail.outbox) == 1
    assert DeliveredMessage.objects.get(message_id=message.message_id).delivered_at is not None


def test_two_messages_for_the_same_user_are_two_mails(as_worker):
    user = make_user(is_active=False)
    for _ in range(2):  # the user asked for a new link: a new message, a new id
        as_worker(send_activation_mail.message(user.pk, "http://testserver"))
        send_activation_mail(user.pk, "http://testserver")
    assert len(mail.outbox) == 2


def test_two_requests_for_the_same_address_are_two_mails(as_worker):
    make_user(email="ann@example.com")
    for _ in range(2):  # the ledger keys a mail by its message's id, never by its address
        as_worker(send_password_reset_mail_to.message("ann@example.com", "http://testserver"))
        send_password_reset_mail_to("ann@example.com", "http://testserver")
    assert len(mail.outbox) == 2


def test_old_delivery_records_are_pruned():
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=40)
    DeliveredMessage.objects.create(message_id="old", actor_name="a", delivered_at=long_ago)
    DeliveredMessage.objects.create(message_id="abandoned", actor_name="a", claimed_until=long_ago)
    DeliveredMessage.objects.create(message_id="new", actor_name="a", delivered_at=timezone.now())
    assert delivered_prune(older_than=timezone.now() - timedelta(days=30)) == 2
    assert list(DeliveredMessage.objects.values_list("message_id", flat=True)) == ["new"]


def test_a_copy_arriving_while_another_worker_holds_the_claim_is_retried_later_not_mailed(as_worker):
    from datetime import timedelta

    from django.utils import timezone

    user = make_user(is_active=False)
    message = send_activation_mail.message(user.pk, "http://testserver")
    DeliveredMessage.objects.create(
        message_id=message.message_id, actor_name="send_activation_mail", claimed_until=timezone.now() + timedelta(60)
    )
    as_worker(message)
    with pytest.raises(dramatiq.Retry):
        send_activation_mail(user.pk, "http://testserver")
    assert mail.outbox == []


def test_a_copy_whose_claim_ran_out_takes_it_over_and_mails(as_worker):
    from datetime import timedelta

    from django.utils import timezone

    user = make_user(is_active=False)
    message = send_activation_mail.message(user.pk, "http://testserver")
    DeliveredMessage.objects.create(
        message_id=message.message_id, actor_name="send_activation_mail", claimed_until=timezone.now() - timedelta(1)
    )
    as_worker(message)
    send_activation_mail(user.pk, "http://testserver")
    assert len(mail.outbox) == 1
    assert DeliveredMessage.objects.get(message_id=message.message_id).delivered_at is not None


def test_a_failed_attempt_releases_its_claim_so_the_retry_goes_ahead(settings, as_worker):
    settings.ADMINS = []
    from djangobin.exceptions import PermanentMailError
    from djangobin.models import Feedback

    feedback = Feedback.objects.create(name="Ann", email="a@example.com", purpose="bug", message="m")
    message = send_feedback_mail.message(feedback.pk)
    as_worker(message)
    with pytest.raises(PermanentMailError):
        send_feedback_mail(feedback.pk)
    row = DeliveredMessage.objects.get(message_id=message.message_id)
    assert (row.claimed_until, row.delivered_at) == (None, None)

    settings.ADMINS = [("Ops", "ops@example.com")]
    send_feedback_mail(feedback.pk)
    assert len(mail.outbox) == 1


def test_a_copy_rabbitmq_redelivered_takes_over_a_live_claim_at_once(as_worker):
    from datetime import timedelta

    from django.utils import timezone
    from dramatiq.brokers.rabbitmq import _RabbitmqMessage

    user = make_user(is_active=False)
    message = send_activation_mail.message(user.pk, "http://testserver")
    DeliveredMessage.objects.create(
        message_id=message.message_id, actor_name="send_activation_mail", claimed_until=timezone.now() + timedelta(60)
    )
    as_worker(_RabbitmqMessage(True, 1, message))  # the claim's worker lost its connection: it died
    send_activation_mail(user.pk, "http://testserver")
    assert len(mail.outbox) == 1


def test_every_ledger_lease_outlasts_its_actors_longest_attempt(settings):
    # The time limit cannot interrupt an SMTP command blocked in its socket: that command runs to EMAIL_TIMEOUT.
    broker = dramatiq.get_broker()
    leased = [broker.get_actor(name) for name in broker.get_declared_actors()]
    leased = [actor for actor in leased if hasattr(actor.fn, "lease")]
    assert {actor.actor_name for actor in leased} >= {"send_activation_mail", "send_feedback_mail"}
    for actor in leased:
        longest = actor.options["time_limit"] / 1000 + settings.EMAIL_TIMEOUT
        assert actor.fn.lease.total_seconds() > longest, actor.actor_name


def test_on_postgresql_the_claim_and_the_record_do_not_wait_for_the_disk_flush(as_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's WAL with synchronous=NORMAL does not flush at each commit anyway")
    user = make_user(is_active=False)
    as_worker(send_activation_mail.message(user.pk, "http://testserver"))
    with CaptureQueriesContext(connection) as queries:
        send_activation_mail(user.pk, "http://testserver")
    ledger = [query["sql"] for query in queries if "delivery_deliveredmessage" in query["sql"]]
    assert [sql.split()[:5] for sql in ledger] == [
        ["SET", "LOCAL", "synchronous_commit", "TO", "OFF;"] for _ in ("claim", "record")
    ]
    assert [sql.split()[5] for sql in ledger] == ["INSERT", "UPDATE"]


def test_the_feedbacks_mailed_mark_goes_with_the_ledgers_record(settings, as_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from djangobin.models import Feedback

    settings.ADMINS = [("Ops", "ops@example.com")]
    feedback = Feedback.objects.create(name="Ann", email="a@example.com", purpose="bug", message="m")
    message = send_feedback_mail.message(feedback.pk)
    as_worker(message)
    with CaptureQueriesContext(connection) as queries:
        send_feedback_mail(feedback.pk)

    feedback.refresh_from_db()
    assert feedback.mailed_at is not None
    assert DeliveredMessage.objects.get(message_id=message.message_id).delivered_at is not None
    updates = [query["sql"] for query in queries if "UPDATE" in query["sql"]]
    if connection.vendor == "postgresql":
        [both] = updates
        assert both.startswith('SET LOCAL synchronous_commit TO OFF; UPDATE "djangobin_feedback"')
        assert '; UPDATE "delivery_deliveredmessage"' in both
    else:  # the mark right before the record, each its own commit
        assert [sql.split()[1] for sql in updates] == ['"djangobin_feedback"', '"delivery_deliveredmessage"']


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_when_the_ledger_cannot_record_a_mail_its_feedback_is_not_marked_mailed_either(
    settings, as_worker, caplog
):
    # Given a ledger whose record fails (the database refuses it)
    from django.db import connection

    from delivery import ledger
    from djangobin.models import Feedback

    if connection.vendor != "postgresql":
        pytest.skip("on SQLite the mark commits right before the record, on its own")

    settings.ADMINS = [("Ops", "ops@example.com")]
    claim, _ = ledger._statements(connection.vendor)
    broken = (claim, "UPDATE delivery_deliveredmessage SET no_such_column = %s WHERE message_id = %s")
    feedback = Feedback.objects.create(name="Ann", email="a@example.com", purpose="bug", message="m")
    message = send_feedback_mail.message(feedback.pk)
    as_worker(message)

    # When a worker sends its feedback mail
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger, "_statements", lambda vendor: broken)
        send_feedback_mail(feedback.pk)

    # Then the mail went once, not retried, the failure is logged, and the two rows agree: neither says "done"
    assert len(mail.outbox) == 1
    assert "was delivered but could not be recorded" in caplog.text
    feedback.refresh_from_db()
    assert feedback.mailed_at is None
    assert DeliveredMessage.objects.get(message_id=message.message_id).delivered_at is None


def test_a_copy_redelivered_to_the_process_still_working_on_it_waits_instead_of_mailing_again(as_worker):
    # Given a message this worker process is sending while its RabbitMQ connection dropped
    from dramatiq.brokers.rabbitmq import _RabbitmqMessage

    user = make_user(is_active=False)
    message = send_activation_mail.message(user.pk, "http://testserver")
    copies = []

    def send_and_meet_the_copy(*args, **kwargs):
        # When RabbitMQ redelivers the copy to another thread of the same process mid-way
        as_worker(_RabbitmqMessage(True, 1, message))
        with pytest.raises(dramatiq.Retry):
            send_activation_mail(user.pk, "http://testserver")
        copies.append("retried")
        as_worker(message)
        return real(*args, **kwargs)

    from djangobin.services import mail as mail_services

    real = mail_services.activation_mail_send
    as_worker(message)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail_services, "activation_mail_send", send_and_meet_the_copy)
        send_activation_mail(user.pk, "http://testserver")

    # Then the copy was sent back to wait, and the mail went out once
    assert copies == ["retried"] and len(mail.outbox) == 1
