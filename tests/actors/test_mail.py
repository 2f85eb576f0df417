import smtplib
from datetime import UTC, datetime

import dramatiq
import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from actors.mail import (
    send_activation_mail,
    send_activation_mail_to,
    send_feedback_mail,
    send_password_reset_mail,
    send_password_reset_mail_to,
    send_signup_attempt_mail,
)
from djangobin.exceptions import PermanentMailError, TransientMailError
from djangobin.models import Feedback
from djangobin.services import mail as mail_service
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
MAIL_ACTORS = (
    send_activation_mail,
    send_activation_mail_to,
    send_feedback_mail,
    send_password_reset_mail,
    send_password_reset_mail_to,
    send_signup_attempt_mail,
)


def test_the_actors_keep_the_tutorials_names_and_run_on_the_mail_queue():
    for actor in MAIL_ACTORS:
        assert isinstance(actor, dramatiq.Actor)
        assert actor.queue_name == "mail"
    assert send_activation_mail.actor_name == "send_activation_mail"


def test_retries_are_bounded_and_never_wait_over_ten_minutes():
    for actor in MAIL_ACTORS:
        assert actor.options["max_backoff"] <= 600_000
        assert 0 < actor.options["max_retries"] <= 20
        assert actor.options["throws"] == (PermanentMailError,)


def test_activation_mail_carries_a_link_built_from_the_given_site_url():
    user = make_user(is_active=False)
    send_activation_mail.fn(user.pk, "https://paste.example.org")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "https://paste.example.org/activate/" in message.body


def test_activation_mail_is_not_sent_to_an_active_or_deleted_account():
    active = make_user(is_active=True)
    send_activation_mail.fn(active.pk, SITE)
    send_activation_mail.fn(999_999, SITE)
    assert mail.outbox == []


def test_feedback_mail_goes_to_admins_once_even_when_delivered_twice(settings):
    settings.ADMINS = [("Ops", "ops@example.com")]
    feedback = Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="It broke")
    send_feedback_mail.fn(feedback.pk)
    send_feedback_mail.fn(feedback.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com"]
    assert mail.outbox[0].reply_to == ["ann@example.com"]
    assert "It broke" in mail.outbox[0].body
    feedback.refresh_from_db()
    assert feedback.mailed_at is not None


def test_feedback_mail_dates_the_message_in_the_sites_time_zone(settings):
    settings.ADMINS, settings.TIME_ZONE = [("Ops", "ops@example.com")], "Europe/Berlin"
    feedback = Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="m")
    Feedback.objects.filter(pk=feedback.pk).update(created_on=datetime(2026, 7, 1, 22, 30, 5, tzinfo=UTC))
    send_feedback_mail.fn(feedback.pk)
    [message] = mail.outbox
    assert "Date: 2026-07-02 00:30:05 CEST" in message.body
    assert message.subject == "[djangobin] New bug from Ann <ann@example.com>"


def test_feedback_with_no_admins_configured_fails_visibly_not_silently(settings):
    settings.ADMINS = []
    make_user(is_superuser=True, is_staff=True)  # in production, superusers are no stand-in for DJANGO_ADMINS
    feedback = Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="m")
    with pytest.raises(PermanentMailError, match="DJANGO_ADMINS"):
        send_feedback_mail.fn(feedback.pk)
    assert mail.outbox == []


def test_in_development_feedback_with_no_admins_goes_to_the_active_superusers(settings):
    settings.DEBUG, settings.ADMINS = True, []
    make_user(email="root@example.com", is_superuser=True, is_staff=True)
    make_user(email="retired@example.com", is_superuser=True, is_active=False)
    make_user(email="staff@example.com", is_staff=True)
    get_user_model().objects.create_user(username="mailless", email="", is_superuser=True)
    feedback = Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="It broke")

    send_feedback_mail.fn(feedback.pk)

    [message] = mail.outbox
    assert message.to == ["root@example.com"]
    assert message.reply_to == ["ann@example.com"]


def test_in_development_with_no_admins_and_no_superuser_feedback_fails_once_saying_why(settings, caplog):
    settings.DEBUG, settings.ADMINS = True, []
    feedback = Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="m")

    with pytest.raises(PermanentMailError):
        send_feedback_mail.fn(feedback.pk)

    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "failed permanently" in record.getMessage()
    assert "DJANGO_ADMINS is empty and no active superuser has an email address" in record.getMessage()


def test_password_reset_mail_makes_its_own_token_so_no_message_carries_one():
    user = make_user()
    send_password_reset_mail.fn(user.pk, SITE)
    assert len(mail.outbox) == 1
    assert f"{SITE}/password-reset/confirm/" in mail.outbox[0].body


def test_the_reset_mail_by_address_goes_to_the_active_account_with_that_address_whatever_its_case():
    user = make_user(email="ann@example.com")

    send_password_reset_mail_to.fn("ANN@Example.com", SITE)

    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert f"{SITE}/password-reset/confirm/" in message.body
    assert message.body.count(f"{SITE}/password-reset/confirm/") == 1
    assert user.get_username() in message.body


def test_the_reset_mail_by_address_mails_nobody_for_an_unknown_inactive_or_passwordless_account():
    make_user(email="idle@example.com", is_active=False)
    passwordless = make_user(email="sso@example.com")
    passwordless.set_unusable_password()
    passwordless.save()

    for address in ("nobody@example.com", "idle@example.com", "sso@example.com"):
        send_password_reset_mail_to.fn(address, SITE)

    assert mail.outbox == []


def test_the_reset_mail_by_address_mails_no_account_whose_address_only_the_database_folds_to_the_one_asked_for():
    make_user(email="mike@example.org")

    # A dotless i: PostgreSQL's case-insensitive match (UPPER) finds "MIKE" in both.
    send_password_reset_mail_to.fn("m\u0131ke@example.org", SITE)

    assert mail.outbox == []


def test_the_activation_mail_by_address_goes_to_the_account_awaiting_activation_only():
    pending = make_user(email="late@example.com", is_active=False)
    make_user(email="ann@example.com")
    deactivated = make_user(email="gone@example.com")
    deactivated.is_active = False
    deactivated.save()

    for address in ("LATE@example.com", "ann@example.com", "gone@example.com", "nobody@example.com"):
        send_activation_mail_to.fn(address, SITE)

    [message] = mail.outbox
    assert message.to == [pending.email]
    assert f"{SITE}/activate/" in message.body


class _Failing:
    def __init__(self, error):
        self.error = error

    def send(self, fail_silently=False):
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "refused"),
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPResponseException(451, b"try later"),
        smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"mailbox busy")}),
    ],
)
def test_transient_smtp_failures_are_retried(error):
    with pytest.raises(TransientMailError):
        mail_service.mail_deliver(_Failing(error))


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}),
        smtplib.SMTPResponseException(554, b"rejected"),
        smtplib.SMTPNotSupportedError("STARTTLS"),
    ],
)
def test_permanent_smtp_failures_are_not_retried(error):
    with pytest.raises(PermanentMailError):
        mail_service.mail_deliver(_Failing(error))


def test_a_line_break_in_a_header_is_a_permanent_failure():
    from django.core.mail import EmailMessage

    with pytest.raises(PermanentMailError, match="bad header"):
        mail_service.mail_deliver(EmailMessage("Hi\nBcc: x@example.com", "body", "a@example.com", ["b@example.com"]))
