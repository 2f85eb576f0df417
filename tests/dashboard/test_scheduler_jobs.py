"""The scheduler's jobs on the dashboard: staff see each job's next five fire times and last runs; staff with the
operate permission create, edit, pause, resume and delete jobs, each change a confirmed POST with CSRF that is
written to the admin log; GET never changes anything; a required job cannot be deleted and warns when paused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduler import services
from scheduler.models import JobRun, PeriodicJob
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db

PURGE = "remove_snippets"  # a required job, made by the migrations


def new_job_data(**changes):
    base = {
        "name": "hourly-purge",
        "actor": "remove_snippets",
        "args": "[]",
        "kwargs": "{}",
        "kind": "crontab",
        "crontab": "15 * * * *",
        "timezone": "UTC",
        "enabled": "on",
        "catch_up": "skip",
        "description": "",
    }
    return {**base, **changes}


def extra_job(name="nightly-extra", **fields):
    fields = {"actor": "remove_snippets", "crontab": "0 1 * * *", "timezone": "UTC", **fields}
    return services.job_create(name=name, **fields)


def snapshot():
    """Everything a change would touch: the jobs as rows, the ledger and the admin log."""
    jobs = list(PeriodicJob.objects.order_by("name").values())
    return jobs, JobRun.objects.count(), LogEntry.objects.count()


def job_urls(name):
    return [
        reverse(view, args=[name])
        for view in ("dashboard:scheduler_job_edit", "dashboard:scheduler_job_pause", "dashboard:scheduler_job_resume")
    ]


def change_urls():
    extra_job()
    return [
        reverse("dashboard:scheduler_job_add"),
        *job_urls(PURGE),
        reverse("dashboard:scheduler_job_delete", args=["nightly-extra"]),
    ]


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client):
    urls = [reverse("dashboard:scheduler_job", args=[PURGE]), *change_urls()]
    before = snapshot()
    for url in urls:
        for response in (client.get(url), client.post(url, {**new_job_data(), "confirm": "yes"})):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login") + "?next=")
    assert snapshot() == before


def test_staff_without_the_operate_permission_see_the_jobs_but_change_nothing(viewer_client):
    urls = change_urls()
    before = snapshot()
    page = viewer_client.get(reverse("dashboard:scheduler_job", args=[PURGE]))
    assert page.status_code == 200
    assert b"Edit\xe2\x80\xa6" not in page.content and b"Pause\xe2\x80\xa6" not in page.content
    assert b"New job" not in viewer_client.get(reverse("dashboard:scheduler")).content
    for url in urls:
        assert viewer_client.get(url).status_code == 403
        assert viewer_client.post(url, {**new_job_data(), "confirm": "yes"}).status_code == 403
    assert snapshot() == before


def test_a_get_of_any_change_only_shows_a_form_or_a_confirmation(staff_client):
    urls = change_urls()
    before = snapshot()
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 200
        assert b'name="csrfmiddlewaretoken"' in response.content
    assert snapshot() == before


def test_a_change_posted_without_a_csrf_token_is_refused(staff):
    urls = change_urls()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    before = snapshot()
    for url in urls:
        assert client.post(url, {**new_job_data(), "confirm": "yes"}).status_code == 403
    assert snapshot() == before


def test_creating_a_job_shows_its_fire_times_for_confirmation_then_saves_and_logs_it(staff_client, staff):
    url = reverse("dashboard:scheduler_job_add")
    review = staff_client.post(url, new_job_data())
    assert review.status_code == 200
    assert not PeriodicJob.objects.filter(name="hourly-purge").exists()
    page = review.content.decode()
    assert "Create this job" in page and page.count("<li><time") == 5
    assert ("Crontab", "", "15 * * * *") in review.context["changes"]
    assert ("Missed fire times", "", "Skip missed fire times") in review.context["changes"]
    assert ":15:00 UTC" in page
    hidden = review.context["hidden"]
    assert ("crontab", "15 * * * *") in hidden and not any(name == "csrfmiddlewaretoken" for name, _ in hidden)

    response = staff_client.post(url, {**dict(hidden), "confirm": "yes"})

    job = PeriodicJob.objects.get(name="hourly-purge")
    assert response["Location"] == reverse("dashboard:scheduler_job", args=["hourly-purge"])
    assert (job.crontab, job.catch_up, job.enabled) == ("15 * * * *", "skip", True)
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.action_flag) == (staff, str(job.pk), ADDITION)
    assert "remove_snippets" in entry.change_message


def test_bad_input_shows_the_form_again_with_what_is_wrong_and_keeps_what_was_typed(staff_client):
    url = reverse("dashboard:scheduler_job_add")
    response = staff_client.post(url, {**new_job_data(args="[1,", crontab="0 0 30 2 *"), "confirm": "yes"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This is not JSON" in page and "never fires" in page
    assert "[1," in page and "0 0 30 2 *" in page
    assert not PeriodicJob.objects.filter(name="hourly-purge").exists()
    assert not LogEntry.objects.exists()


def test_back_to_the_form_keeps_every_field(staff_client):
    url = reverse("dashboard:scheduler_job_add")
    response = staff_client.post(url, {**new_job_data(description="Keep me"), "back": "yes"})
    assert b"Check and review" in response.content and b"Keep me" in response.content
    assert not PeriodicJob.objects.filter(name="hourly-purge").exists()


def test_editing_a_job_shows_the_change_then_saves_it_with_a_new_version_and_logs_it(staff_client, staff):
    job = PeriodicJob.objects.get(name=PURGE)
    url = reverse("dashboard:scheduler_job_edit", args=[PURGE])
    form = staff_client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {**{k: (v if not isinstance(v, bool) else ("on" if v else "")) for k, v in data.items()}}
    data.update(args="[]", kwargs="{}", crontab="0 4 * * *")

    review = staff_client.post(url, data)
    assert review.context["changes"] == [("Crontab", job.crontab, "0 4 * * *")]
    staff_client.post(url, {**data, "confirm": "yes"})

    job.refresh_from_db()
    assert (job.crontab, job.name) == ("0 4 * * *", PURGE)
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.action_flag) == (staff, str(job.pk), CHANGE)
    assert "Changed crontab from the dashboard" in entry.change_message


def test_an_edit_confirmed_after_someone_else_saved_the_job_is_refused_with_nothing_lost(staff_client):
    job = extra_job()
    url = reverse("dashboard:scheduler_job_edit", args=[job.name])
    assert f'name="version" value="{job.version}"' in staff_client.get(url).content.decode()
    data = {**new_job_data(name=job.name, crontab="0 6 * * *"), "version": str(job.version)}
    review = staff_client.post(url, data)
    assert ("version", str(job.version)) in review.context["hidden"]
    services.job_update(job=job, description="Changed in the admin meanwhile")

    response = staff_client.post(url, {**dict(review.context["hidden"]), "confirm": "yes"})

    page = response.content.decode()
    assert f"Someone changed {job.name} since you opened this form" in page and "0 6 * * *" in page
    job.refresh_from_db()
    assert (job.crontab, job.description) == ("0 1 * * *", "Changed in the admin meanwhile")
    assert f'name="version" value="{job.version}"' in page  # reviewed again, it may be saved
    assert not LogEntry.objects.exists()


def test_pausing_a_required_job_warns_on_its_page_and_the_scheduler_page_and_resuming_ends_it(staff_client, staff):
    job = PeriodicJob.objects.get(name=PURGE)
    url = reverse("dashboard:scheduler_job_pause", args=[PURGE])
    assert "its work waits while it is paused" in staff_client.get(url).content.decode()
    staff_client.post(url, {"confirm": "yes"})

    job.refresh_from_db()
    assert job.enabled is False
    warning = "The job remove_snippets is required by the project and has been paused since"
    assert warning in staff_client.get(reverse("dashboard:scheduler_job", args=[PURGE])).content.decode()
    assert warning in staff_client.get(reverse("dashboard:scheduler")).content.decode()

    staff_client.post(reverse("dashboard:scheduler_job_resume", args=[PURGE]), {"confirm": "yes"})
    job.refresh_from_db()
    assert job.enabled is True
    assert warning not in staff_client.get(reverse("dashboard:scheduler")).content.decode()
    assert [entry.change_message for entry in LogEntry.objects.order_by("pk")] == [
        "Paused from the dashboard.",
        "Resumed from the dashboard.",
    ]
    assert {entry.user for entry in LogEntry.objects.all()} == {staff}


def test_a_job_can_be_deleted_and_the_deletion_is_logged(staff_client):
    job = extra_job()
    response = staff_client.post(reverse("dashboard:scheduler_job_delete", args=[job.name]), {"confirm": "yes"})
    assert response["Location"] == reverse("dashboard:scheduler")
    assert not PeriodicJob.objects.filter(name=job.name).exists()
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_repr) == (DELETION, job.name)


def test_a_required_job_cannot_be_deleted_and_offers_no_delete_button(staff_client):
    page = staff_client.get(reverse("dashboard:scheduler_job", args=[PURGE])).content.decode()
    assert "Delete…" not in page
    url = reverse("dashboard:scheduler_job_delete", args=[PURGE])
    response = staff_client.post(url, {"confirm": "yes"}, follow=True)
    assert "required by the project" in response.content.decode()
    assert PeriodicJob.objects.filter(name=PURGE).exists()
    assert not LogEntry.objects.exists()


def test_an_unknown_job_is_a_404(staff_client):
    for view in ("dashboard:scheduler_job", "dashboard:scheduler_job_edit", "dashboard:scheduler_job_delete"):
        assert staff_client.get(reverse(view, args=["no-such-job"])).status_code == 404


def _last_sunday_of_march(year):
    day = dt.date(year, 3, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def test_the_next_five_fire_times_follow_the_jobs_own_zone_across_a_spring_dst_change(staff_client):
    change = _last_sunday_of_march(timezone.now().year + 2)
    start = dt.datetime.combine(change - dt.timedelta(days=2), dt.time(12), tzinfo=ZoneInfo("Europe/Berlin"))
    extra_job(name="berlin-0230", crontab="30 2 * * *", timezone="Europe/Berlin", start_at=start)

    page = staff_client.get(reverse("dashboard:scheduler_job", args=["berlin-0230"]))

    shown = [(time.moment.date(), time.moment.strftime("%H:%M %Z")) for time in page.context["fire_times"]]
    assert shown == [
        (change - dt.timedelta(days=1), "02:30 CET"),
        (change, "03:30 CEST"),  # 02:30 does not exist that night: it fires when it would have, once
        (change + dt.timedelta(days=1), "02:30 CEST"),
        (change + dt.timedelta(days=2), "02:30 CEST"),
        (change + dt.timedelta(days=3), "02:30 CEST"),
    ]
    assert f"{change:%Y-%m-%d} 03:30:00 CEST" in page.content.decode()


def test_the_last_runs_show_lateness_outcome_and_a_link_to_each_task(staff_client):
    fire_time = timezone.now() - dt.timedelta(hours=1)
    task = make_task(status="succeeded", actor_name="remove_snippets", queue_name="maintenance", args=[])
    JobRun.objects.create(
        job=PURGE,
        fire_time=fire_time,
        outcome="enqueued",
        attempts=2,
        enqueued_at=fire_time + dt.timedelta(seconds=3.2),
        message_id=task.message_id,
        last_error="ConnectionRefusedError",
    )
    page = staff_client.get(reverse("dashboard:scheduler_job", args=[PURGE])).content.decode()
    assert "3.2 s" in page
    assert "status-enqueued" in page and "ConnectionRefusedError" in page
    assert f'href="{reverse("dashboard:task", args=[task.message_id])}"' in page
    assert "status-succeeded" in page
