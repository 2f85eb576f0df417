"""Incident operations: cancel, dismiss, pause and resume, and bulk retry/cancel/dismiss done by an actor."""

import dramatiq
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from taskhistory.models import BulkOperation, CancelledMessage, PausedQueue, Task
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db


def test_cancelling_a_waiting_task_marks_it_cancelled_asks_the_workers_and_is_logged(staff_client, staff):
    task = make_task(status="enqueued")
    url = reverse("dashboard:task_cancel", args=[task.message_id])
    assert b"Cancel this task" in staff_client.get(url).content
    staff_client.post(url, {"confirm": "yes"})
    task.refresh_from_db()
    assert task.status == "cancelled"
    assert CancelledMessage.objects.filter(message_id=task.message_id).exists()
    assert LogEntry.objects.get().change_message == "Cancelled from the dashboard before it ran."


def test_a_task_that_started_cannot_be_cancelled(staff_client):
    task = make_task(status="running")
    response = staff_client.post(
        reverse("dashboard:task_cancel", args=[task.message_id]), {"confirm": "yes"}, follow=True
    )
    assert "Only tasks that have not started can be cancelled" in response.content.decode()
    assert not CancelledMessage.objects.exists()


def test_a_dismissed_failure_leaves_the_failed_list_and_the_retry_all_button(staff_client):
    dismissed, kept = make_task(status="failed"), make_task(status="failed")
    staff_client.post(reverse("dashboard:task_dismiss", args=[dismissed.message_id]), {"confirm": "yes"})
    failed = staff_client.get(reverse("dashboard:api_tasks"), {"status": "failed"}).json()["tasks"]
    assert [task["message_id"] for task in failed] == [kept.message_id]
    shown = staff_client.get(reverse("dashboard:api_tasks"), {"status": "dismissed"}).json()["tasks"]
    assert [task["message_id"] for task in shown] == [dismissed.message_id]
    confirm = staff_client.get(reverse("dashboard:actor_retry_failed", args=["send_feedback_mail"]))
    assert "1 failed or skipped task of" in confirm.content.decode()


def test_pausing_and_resuming_a_queue_writes_the_wish_and_the_admin_log(staff_client):
    staff_client.post(reverse("dashboard:queue_pause", args=["mail"]), {"confirm": "yes"})
    assert list(PausedQueue.objects.values_list("queue_name", flat=True)) == ["mail"]
    assert "Resume…" in staff_client.get(reverse("dashboard:overview")).content.decode()
    staff_client.post(reverse("dashboard:queue_resume", args=["mail"]), {"confirm": "yes"})
    assert not PausedQueue.objects.exists()
    assert [entry.change_message for entry in LogEntry.objects.order_by("pk")] == [
        "Paused consumption from the dashboard.",
        "Resumed consumption from the dashboard.",
    ]


def test_only_djangobin_queues_can_be_paused(staff_client):
    staff_client.post(reverse("dashboard:queue_pause", args=["other"]), {"confirm": "yes"})
    assert not PausedQueue.objects.exists()


def _run_enqueued_bulk_operations(broker):
    for data in list(broker.queues["maintenance"].queue):
        message = dramatiq.Message.decode(data)
        broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)


# Transactional: the outbox publishes the actor's message from its own thread, whose history write commits on a
# connection of its own, which only a flush at the end of the test removes.
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@TRANSACTIONAL
def test_a_bulk_retry_of_the_chosen_tasks_is_confirmed_then_done_by_an_actor(staff_client, staff, broker):
    chosen = [make_task(status="failed") for _ in range(3)]
    left_alone = make_task(status="failed")
    form = {"action": "retry", "scope": "chosen", "message_id": [task.message_id for task in chosen]}
    confirm = staff_client.post(reverse("dashboard:tasks_bulk"), form)
    assert "Retry 3 tasks?" in confirm.content.decode()
    assert not BulkOperation.objects.exists()

    response = staff_client.post(reverse("dashboard:tasks_bulk"), {**form, "confirm": "yes"})
    operation = BulkOperation.objects.get()
    assert response.url == reverse("dashboard:operation", args=[operation.pk])
    assert (operation.total, operation.state, operation.requested_by) == (3, "queued", staff)
    assert broker.queues["mail"].qsize() == 0  # nothing happened inside the request

    _run_enqueued_bulk_operations(broker)
    operation.refresh_from_db()
    assert (operation.state, operation.done, operation.passed_over) == ("finished", 3, 0)
    assert broker.queues["mail"].qsize() == 3
    assert all(Task.objects.get(pk=task.pk).retried_as for task in chosen)
    assert Task.objects.get(pk=left_alone.pk).retried_as == ""
    progress = staff_client.get(reverse("dashboard:api_operation", args=[operation.pk])).json()
    assert progress["live"] == {
        "operation:state": "finished",
        "operation:done": 3,
        "operation:passed_over": 0,
        "operation:percent": 100,
    }
    assert "Asked to retry 3 tasks" in LogEntry.objects.get().change_message


@TRANSACTIONAL
def test_a_bulk_cancel_of_everything_matching_the_filter_leaves_later_and_other_tasks_alone(staff_client, broker):
    waiting = [make_task(status="enqueued", queue_name="mail") for _ in range(2)]
    other_queue = make_task(status="enqueued", queue_name="maintenance")
    form = {"action": "cancel", "scope": "filter", "filter_query": "queue=mail"}
    staff_client.post(reverse("dashboard:tasks_bulk"), {**form, "confirm": "yes"})
    arrived_later = make_task(status="enqueued", queue_name="mail")

    _run_enqueued_bulk_operations(broker)
    _run_enqueued_bulk_operations(broker)  # a repeated run changes nothing more
    operation = BulkOperation.objects.get()
    assert (operation.total, operation.done, operation.state) == (2, 2, "finished")
    statuses = dict(Task.objects.values_list("pk", "status"))
    assert [statuses[task.pk] for task in waiting] == ["cancelled", "cancelled"]
    assert (statuses[other_queue.pk], statuses[arrived_later.pk]) == ("enqueued", "enqueued")


def test_a_bulk_action_without_tasks_or_action_is_refused_with_a_message(staff_client):
    response = staff_client.post(reverse("dashboard:tasks_bulk"), {"action": "retry", "scope": "chosen"}, follow=True)
    assert "No task was chosen." in response.content.decode()
    response = staff_client.post(reverse("dashboard:tasks_bulk"), {"action": "explode", "scope": "filter"}, follow=True)
    assert "Choose what to do" in response.content.decode()
    assert not BulkOperation.objects.exists()
