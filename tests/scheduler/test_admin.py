"""The Django admin of the periodic jobs: the list with state, schedule, next fire time and last run; the actions
run now, pause and resume; edits through the same form and services as the dashboard; required jobs cannot be
deleted and warn when paused."""

import datetime as dt

import dramatiq
import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduler import services
from scheduler.models import JobRun, PeriodicJob
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PURGE = "remove_snippets"
CHANGELIST = reverse("admin:scheduler_periodicjob_changelist")


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def extra_job(name="nightly-extra", **fields):
    return services.job_create(name=name, actor="remove_snippets", crontab="0 1 * * *", timezone="UTC", **fields)


def act(client, action, *jobs):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [job.pk for job in jobs]}, follow=True
    ).content.decode()


def test_the_list_shows_state_schedule_next_fire_time_and_last_run(admin_client):
    fire_time = timezone.now() - dt.timedelta(hours=2)
    JobRun.objects.create(job=PURGE, fire_time=fire_time, outcome="enqueued", enqueued_at=fire_time)
    page = admin_client.get(CHANGELIST).content.decode()
    assert "0 0 * * * (UTC)" in page  # the schedule in words
    assert f"{timezone.localtime(fire_time):%Y-%m-%d %H:%M:%S} UTC: enqueued" in page
    next_midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    assert f"{next_midnight:%Y-%m-%d %H:%M:%S}" in page


def test_run_selected_now_sends_each_job_and_records_a_manual_run(admin_client, broker):
    job = extra_job()
    page = act(admin_client, "run_selected_now", job)
    [raw] = [dramatiq.Message.decode(data) for data in broker.queues["maintenance"].queue]
    assert raw.actor_name == "remove_snippets"
    assert JobRun.objects.get(job=job.name, manual=True).message_id == raw.message_id
    assert f"Sent nightly-extra as message {raw.message_id}." in page
    assert LogEntry.objects.get().change_message == f"Ran now from the admin as message {raw.message_id}."


def test_pause_and_resume_go_through_the_services_and_are_logged(admin_client):
    job = extra_job()
    act(admin_client, "pause_selected", job)
    job.refresh_from_db()
    assert (job.enabled, job.paused_at is not None) == (False, True)
    act(admin_client, "resume_selected", job)
    job.refresh_from_db()
    assert job.enabled is True
    assert [e.change_message for e in LogEntry.objects.order_by("pk")] == [
        "Paused from the admin.",
        "Resumed from the admin.",
    ]


def test_pausing_a_required_job_warns_and_the_list_keeps_warning_until_it_is_resumed(admin_client):
    purge = PeriodicJob.objects.get(name=PURGE)
    warning = "The job remove_snippets is required by the project and has been paused"
    assert warning in act(admin_client, "pause_selected", purge)
    assert warning in admin_client.get(CHANGELIST).content.decode()
    assert warning in admin_client.get(reverse("admin:scheduler_periodicjob_change", args=[purge.pk])).content.decode()
    act(admin_client, "resume_selected", purge)
    assert warning not in admin_client.get(CHANGELIST).content.decode()


def test_a_required_job_has_no_delete_and_the_bulk_delete_refuses_it(admin_client):
    purge = PeriodicJob.objects.get(name=PURGE)
    change_page = admin_client.get(reverse("admin:scheduler_periodicjob_change", args=[purge.pk])).content.decode()
    assert "deletelink" not in change_page
    assert admin_client.post(reverse("admin:scheduler_periodicjob_delete", args=[purge.pk])).status_code == 403
    admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [purge.pk], "post": "yes"})
    assert PeriodicJob.objects.filter(name=PURGE).exists()


def test_a_job_that_is_not_required_can_be_deleted(admin_client):
    job = extra_job()
    admin_client.post(reverse("admin:scheduler_periodicjob_delete", args=[job.pk]), {"post": "yes"})
    assert not PeriodicJob.objects.filter(pk=job.pk).exists()


def test_the_add_page_uses_the_shared_form_and_saves_through_the_services(admin_client):
    add = reverse("admin:scheduler_periodicjob_add")
    page = admin_client.get(add).content.decode()
    assert '<option value="remove_snippets">remove_snippets (queue maintenance)</option>' in page
    data = {
        "name": "weekly",
        "actor": "prune_task_history",
        "args": "[]",
        "kwargs": "{}",
        "kind": "crontab",
        "crontab": "0 5 * * 0",
        "timezone": "Europe/Berlin",
        "enabled": "on",
        "catch_up": "skip",
        "description": "",
    }
    refused = admin_client.post(add, {**data, "args": "[1]"})
    assert refused.status_code == 200 and "takes (no arguments)" in refused.content.decode()
    admin_client.post(add, data)
    job = PeriodicJob.objects.get(name="weekly")
    assert (job.crontab, job.timezone, job.version) == ("0 5 * * 0", "Europe/Berlin", 1)
    assert JobRun.objects.filter(job="weekly", outcome="scheduled").exists()  # the daemons were told
