"""Retry one task, retry all failed tasks of an actor: re-sent in full with retries reset, and logged."""

import json

import dramatiq
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from taskhistory.models import Task
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db


def retry(client, task):
    return client.post(reverse("dashboard:task_retry", args=[task.message_id]), {"confirm": "yes"})


def test_retrying_a_failed_task_sends_its_full_message_again_with_retries_reset(staff_client, staff, broker):
    task = make_task(
        status="failed",
        args=[41, "https://paste.example"],
        kwargs={"lang": "en"},
        retries=12,
        options=json.dumps({"retries": 12, "max_retries": 3, "eta": 1, "requeue_timestamp": 5}),
    )
    response = retry(staff_client, task)

    [raw] = [dramatiq.Message.decode(m) for m in broker.queues["mail"].queue]
    assert (raw.actor_name, raw.args, raw.kwargs) == (
        "send_feedback_mail",
        (41, "https://paste.example"),
        {"lang": "en"},
    )
    assert raw.options == {"max_retries": 3, "retry_of": task.message_id}
    assert raw.message_id != task.message_id
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:task", args=[raw.message_id])
    task.refresh_from_db()
    assert task.retried_as == raw.message_id
    copy = Task.objects.get(message_id=raw.message_id)
    assert (copy.status, copy.retries, copy.retry_of) == ("enqueued", 0, task.message_id)
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id) == (staff, str(task.pk))
    assert raw.message_id in entry.change_message


def test_a_task_is_re_sent_only_once_however_often_retry_is_pressed(staff_client, broker):
    task = make_task(status="failed")
    retry(staff_client, task)
    second = retry(staff_client, task)
    assert broker.queues["mail"].qsize() == 1
    assert second.status_code == 302
    follow = staff_client.get(second["Location"])
    assert b"retried already" in follow.content


def test_a_task_that_did_not_fail_cannot_be_retried(staff_client, broker):
    task = make_task(status="succeeded")
    response = retry(staff_client, task)
    assert broker.queues["mail"].qsize() == 0
    assert b"Only failed or skipped tasks" in staff_client.get(response["Location"]).content
    assert not LogEntry.objects.exists()


def test_a_task_of_an_actor_that_no_longer_exists_is_not_re_sent(staff_client, broker):
    task = make_task(status="failed", actor_name="send_fax")
    retry(staff_client, task)
    assert Task.objects.get(pk=task.pk).retried_as == ""
    assert all(queue.qsize() == 0 for queue in broker.queues.values())


def test_retry_all_re_sends_every_failed_task_of_one_actor_not_yet_retried(staff_client, staff, broker):
    failed = [make_task(status="failed") for _ in range(3)]
    make_task(status="failed", retried_as="00000000-0000-0000-0000-000000000000")
    make_task(status="succeeded")
    make_task(status="failed", actor_name="remove_snippets", queue_name="maintenance")
    url = reverse("dashboard:actor_retry_failed", args=["send_feedback_mail"])
    assert b"3 failed or skipped tasks" in staff_client.get(url).content

    response = staff_client.post(url, {"confirm": "yes"})

    assert response.status_code == 302
    resent = {dramatiq.Message.decode(m).options["retry_of"] for m in broker.queues["mail"].queue}
    assert resent == {task.message_id for task in failed}
    assert broker.queues["maintenance"].qsize() == 0
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_repr) == (staff, "actor send_feedback_mail")
    assert "Retried 3 failed tasks" in entry.change_message


def test_retry_all_stops_at_its_limit_and_says_how_many_are_left(staff, broker):
    from taskhistory import services

    for _ in range(5):
        make_task(status="failed")
    assert services.tasks_retry_failed(actor_name="send_feedback_mail", limit=2) == (2, 3)
    assert services.tasks_retry_failed(actor_name="send_feedback_mail", limit=10) == (3, 0)
    assert broker.queues["mail"].qsize() == 5


def row_retry_form(page, task):
    """The Retry form of `task`'s row in a task list page: its action and its fields."""
    html = page.content.decode()
    start = html.index(f'<form method="post" action="{reverse("dashboard:task_retry", args=[task.message_id])}">')
    form = html[start : html.index("</form>", start)]
    return form


def test_each_failed_row_of_the_task_list_has_a_retry_that_asks_first_then_returns_to_the_list(
    staff_client, staff, broker
):
    # Given a failed and a succeeded task, the list filtered to failed ones
    failed, succeeded = make_task(status="failed"), make_task(status="succeeded")
    list_url = reverse("dashboard:tasks") + "?status=failed"
    page = staff_client.get(list_url)
    # Then the failed row has a Retry button posting (with CSRF) back to the filtered list, and the other none
    form = row_retry_form(staff_client.get(reverse("dashboard:tasks")), failed)
    assert 'name="csrfmiddlewaretoken"' in form and 'name="next" value="/dashboard/tasks/"' in form
    assert 'name="next" value="/dashboard/tasks/?status=failed"' in row_retry_form(page, failed)
    assert reverse("dashboard:task_retry", args=[succeeded.message_id]) not in page.content.decode()
    # When it is pressed, a confirmation is asked and nothing is sent yet
    url = reverse("dashboard:task_retry", args=[failed.message_id])
    asked = staff_client.post(url, {"next": list_url})
    assert asked.status_code == 200 and b'name="confirm" value="yes"' in asked.content
    assert b'name="next" value="/dashboard/tasks/?status=failed"' in asked.content
    assert f'href="{list_url}"'.replace("&", "&amp;").encode() in asked.content  # Cancel goes back to the list
    assert broker.queues["mail"].qsize() == 0
    # And once confirmed, the task is re-sent, logged, and the operator is back on the list
    done = staff_client.post(url, {"confirm": "yes", "next": list_url})
    assert done.status_code == 302 and done["Location"] == list_url
    assert broker.queues["mail"].qsize() == 1
    failed.refresh_from_db()
    assert failed.retried_as and failed.retried_as in LogEntry.objects.get(user=staff).change_message
    assert f"re-sent as task {failed.retried_as}" in staff_client.get(list_url).content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/dashboard/tasks/", "//evil.example/", "/admin/", "/"])
def test_a_retry_never_redirects_off_the_task_list_whatever_next_says(staff_client, broker, next_url):
    task = make_task(status="failed")
    done = staff_client.post(
        reverse("dashboard:task_retry", args=[task.message_id]), {"confirm": "yes", "next": next_url}
    )
    task.refresh_from_db()
    assert done["Location"] == reverse("dashboard:task", args=[task.retried_as])


def test_staff_without_the_operate_permission_see_no_retry_in_the_rows(viewer_client):
    task = make_task(status="failed")
    page = viewer_client.get(reverse("dashboard:tasks")).content.decode()
    assert reverse("dashboard:task_retry", args=[task.message_id]) not in page
