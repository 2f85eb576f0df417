"""The outbox page: parked messages with their errors, and the retry action (POST, permission, admin log)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from delivery import outbox
from delivery.models import OutboxMessage

pytestmark = pytest.mark.django_db


def parked_row(error="ImportError: Module “actors.mail” does not define a “send_feedback_mail_v0” attribute"):
    row = outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(7,))
    OutboxMessage.objects.filter(pk=row.pk).update(
        parked_at=timezone.now(), failures=outbox.PARK_AFTER_FAILURES, last_error=error
    )
    return row


def retry_url(row):
    return reverse("dashboard:outbox_retry", args=[row.message_id])


def test_the_outbox_page_lists_parked_messages_with_their_real_error(viewer_client):
    row = parked_row()
    outbox.outbox_add(actor_path="actors.mail.send_feedback_mail", args=(8,))  # waiting, not parked

    page = viewer_client.get(reverse("dashboard:outbox")).content.decode()

    assert row.message_id in page
    assert "send_feedback_mail_v0" in page
    assert "2 messages in the outbox, 1 of them parked" in page
    assert retry_url(row) not in page  # this staff member may look, not act


def test_the_outbox_page_escapes_what_a_row_holds(viewer_client):
    parked_row(error="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in viewer_client.get(reverse("dashboard:outbox")).content.decode()


def test_retrying_a_parked_message_asks_first_then_unparks_it_and_writes_the_admin_log(staff_client, staff):
    row = parked_row()

    confirm = staff_client.get(retry_url(row))
    assert confirm.status_code == 200 and b'name="confirm"' in confirm.content
    assert OutboxMessage.objects.get().parked_at is not None

    response = staff_client.post(retry_url(row), {"confirm": "yes"})

    assert response.status_code == 302
    stored = OutboxMessage.objects.get()
    assert (stored.parked_at, stored.failures) == (None, 0)
    entry = LogEntry.objects.get()
    assert entry.user == staff and row.message_id in entry.change_message


def test_staff_without_the_operate_permission_cannot_retry(viewer_client):
    row = parked_row()
    assert viewer_client.post(retry_url(row), {"confirm": "yes"}).status_code == 403
    assert OutboxMessage.objects.get().parked_at is not None


def test_a_non_staff_user_cannot_see_the_outbox(user_client):
    assert user_client.get(reverse("dashboard:outbox")).status_code == 403
