"""The request side of the site's mail: forms refuse header injection, and requests only enqueue (StubBroker)."""

import dramatiq
import pytest
from django.core import mail
from django.db import transaction
from django.test import RequestFactory

from djangobin.forms import ContactForm, QueuedPasswordResetForm
from djangobin.services.accounts import user_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_queue(broker):
    """Messages sent to the StubBroker's `mail` queue during the test, as (actor name, args) pairs."""

    def messages():
        queue = broker.queues.get("mail")
        raw_messages = [] if queue is None else list(queue.queue)
        return [(message.actor_name, message.args) for message in map(dramatiq.Message.decode, raw_messages)]

    return messages


@pytest.mark.parametrize("name", ["Ann\r\nBcc: victim@example.com", "Ann\nBcc: victim@example.com", "Ann\rX"])
def test_a_line_break_in_the_contact_forms_name_is_a_form_error(name):
    form = ContactForm({"name": name, "email": "ann@example.com", "purpose": "bug", "message": "hi"})
    assert not form.is_valid()
    assert form.errors["name"] == ["Line breaks are not allowed here."]


def test_a_user_created_inside_a_rolled_back_transaction_enqueues_nothing(
    mail_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        user_create(username="gone", email="gone@example.com", password="pw-123456789", site_url="http://x")
        transaction.set_rollback(True)
    assert callbacks == []
    assert mail_queue() == []


def test_a_committed_signup_enqueues_only_the_user_id_and_site_url(mail_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create(username="kept", email="kept@example.com", password="pw-123456789", site_url="http://x")
    assert mail_queue() == [("send_activation_mail", (user.pk, "http://x"))]
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["ANN@example.com", "nobody@example.com"])
def test_the_password_reset_form_enqueues_one_message_with_the_address_whether_or_not_it_is_registered(
    email, mail_queue, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = ""
    make_user(email="ann@example.com")
    request = RequestFactory().post("/password-reset/", HTTP_HOST="127.0.0.1")
    form = QueuedPasswordResetForm({"email": email})
    assert form.is_valid()
    with django_capture_on_commit_callbacks(execute=True):
        form.save(request=request)
    assert mail_queue() == [("send_password_reset_mail_to", (email, "http://127.0.0.1"))]
    assert mail.outbox == []


def test_the_password_reset_link_uses_the_configured_site_url_over_the_request_host(
    mail_queue, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://paste.example.com"
    request = RequestFactory().post("/password-reset/", HTTP_HOST="127.0.0.1")
    form = QueuedPasswordResetForm({"email": "ann@example.com"})
    assert form.is_valid()
    with django_capture_on_commit_callbacks(execute=True):
        form.save(request=request)
    assert mail_queue() == [("send_password_reset_mail_to", ("ann@example.com", "https://paste.example.com"))]


def test_a_signup_with_a_forged_host_header_is_refused_and_mails_nothing(client, mail_queue):
    data = {"username": "eve", "email": "eve@example.com", "password1": "pw-123456789x", "password2": "pw-123456789x"}
    response = client.post("/signup/", data, HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert mail_queue() == []
