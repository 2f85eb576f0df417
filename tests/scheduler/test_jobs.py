"""The job table's services: each rule of a job a daemon can run, and what a change does to the ledger."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from scheduler import selectors, services
from scheduler.jobs import REQUIRED_JOBS, required_jobs_ensure
from scheduler.models import JobRun, JobsRevision, PeriodicJob

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def create(**fields):
    fields = {"name": "digest", "actor": "remove_snippets", "crontab": "0 6 * * 1", "timezone": "UTC", **fields}
    return services.job_create(now=NOW, **fields)


def errors_of(call, **fields):
    with pytest.raises(ValidationError) as caught:
        call(**fields)
    return caught.value.message_dict


# --- one rule each ---------------------------------------------------------------------------------------------


def test_an_actor_that_is_not_registered_is_refused_naming_the_registered_ones():
    [message] = errors_of(create, actor="remove_snipets")["actor"]
    assert "There is no actor 'remove_snipets'" in message
    assert "remove_snippets" in message.split("registered actors are:")[1]


def test_arguments_the_actor_does_not_take_are_refused_with_its_signature():
    [message] = errors_of(create, args=[1])["args"]
    assert "The actor remove_snippets takes (no arguments)" in message
    [message] = errors_of(create, actor="apply_bulk_operation", kwargs={"operation": 1})["args"]
    assert "takes (operation_id: int)" in message


def test_arguments_that_bind_to_the_actor_are_saved():
    job = create(actor="apply_bulk_operation", kwargs={"operation_id": 7})
    assert (job.args, job.kwargs) == ([], {"operation_id": 7})


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ({"a": 1}, {}, "The arguments must be a JSON list"),
        ([], [1], "The keyword arguments must be a JSON object"),
        ([datetime(2026, 1, 1, tzinfo=UTC)], {}, "args[0] is a datetime, which is not a JSON value"),
        ([], {"operation_id": {1: 2}}, "has the key 1, which is not a string"),
        ([], {"operation_id": (1, 2)}, "is a tuple, which is not a JSON value"),
    ],
)
def test_values_that_are_not_json_are_refused_saying_which(args, kwargs, expected):
    [message] = errors_of(create, actor="apply_bulk_operation", args=args, kwargs=kwargs)["args"]
    assert expected in message


@pytest.mark.parametrize(
    ("crontab", "expected"),
    [
        ("0 0 * *", "a crontab expression has 5 fields"),
        ("61 * * * *", "is not a crontab expression"),
        ("0 0 30 2 *", "never fires"),
    ],
)
def test_a_crontab_that_is_malformed_or_never_fires_is_refused(crontab, expected):
    [message] = errors_of(create, crontab=crontab)["crontab"]
    assert expected in message


def test_an_unknown_time_zone_is_refused():
    [message] = errors_of(create, timezone="Europe/Atlantis")["timezone"]
    assert "'Europe/Atlantis' is not an IANA time zone" in message


@pytest.mark.parametrize("seconds", [0, -5, None, 1.5])
def test_an_interval_must_be_a_whole_number_of_seconds_above_zero(seconds):
    [message] = errors_of(create, kind="interval", crontab="", interval_seconds=seconds)["interval_seconds"]
    assert "greater than 0" in message


def test_the_end_must_come_after_the_start():
    start = NOW + timedelta(days=1)
    [message] = errors_of(create, start_at=start, end_at=start)["end_at"]
    assert message == "The end must come after the start."


def test_a_schedule_whose_end_has_passed_never_fires_and_is_refused():
    [message] = errors_of(create, end_at=NOW - timedelta(days=1))["end_at"]
    assert "never fires from now on" in message


def test_a_one_off_moment_must_be_given_and_in_the_future():
    assert "needs the moment" in errors_of(create, kind="one_off", crontab="")["run_at"][0]
    past = errors_of(create, kind="one_off", crontab="", run_at=NOW - timedelta(minutes=1))["run_at"]
    assert "must be in the future" in past[0]


def test_a_name_that_is_taken_or_malformed_is_refused():
    create()
    assert "already a job called 'digest'" in errors_of(create)["name"][0]
    assert "letters, digits" in errors_of(create, name="a digest")["name"][0]


def test_an_edit_is_validated_like_a_creation_and_leaves_the_row_untouched():
    job = create()
    errors_of(services.job_update, job=job, crontab="0 0 31 2 *", now=NOW)
    job.refresh_from_db()
    assert (job.crontab, job.version) == ("0 6 * * 1", 1)


def test_the_name_cannot_be_changed_by_an_update():
    with pytest.raises(TypeError, match="cannot change name"):
        services.job_update(job=create(), name="other")


# --- what a change does ---------------------------------------------------------------------------------------


def test_a_new_job_registers_its_next_fire_time_and_bumps_the_revision():
    before = selectors.jobs_revision()
    job = create()
    assert [(run.fire_time, run.outcome) for run in JobRun.objects.filter(job="digest")] == [
        (datetime(2026, 3, 2, 6, 0, tzinfo=UTC), "scheduled")
    ]
    assert selectors.jobs_revision() == before + 1
    assert job.version == 1


def test_an_edit_withdraws_the_fire_times_registered_under_the_old_schedule_and_registers_the_new_one():
    job = create()
    job = services.job_update(job=job, crontab="0 7 * * *", now=NOW)
    assert job.version == 2
    assert list(JobRun.objects.filter(job="digest").values_list("fire_time", "outcome")) == [
        (datetime(2026, 3, 2, 7, 0, tzinfo=UTC), "scheduled")
    ]


def test_a_pause_withdraws_every_pending_run_and_a_resume_registers_the_next_fire_time():
    job = create()
    JobRun.objects.create(job="digest", fire_time=NOW - timedelta(hours=1), outcome="retrying", attempts=2)
    job = services.job_pause(job=job, now=NOW)
    assert (job.enabled, job.paused_at) == (False, NOW)
    assert list(JobRun.objects.filter(job="digest").values_list("outcome", flat=True)) == ["skipped"]
    job = services.job_resume(job=job, now=NOW)
    assert (job.enabled, job.paused_at, job.version) == (True, None, 3)
    assert JobRun.objects.filter(job="digest", outcome="scheduled").count() == 1


def test_a_required_job_cannot_be_deleted_but_another_can_and_its_ledger_stays():
    purge = selectors.job_get("remove_snippets")
    with pytest.raises(ValidationError, match="required by the project: it can be rescheduled or paused, not deleted"):
        services.job_delete(job=purge)
    assert PeriodicJob.objects.filter(name="remove_snippets").exists()
    job = create()
    services.job_delete(job=job, now=NOW)
    assert not PeriodicJob.objects.filter(name="digest").exists()
    assert not JobRun.objects.filter(job="digest", outcome="scheduled").exists()
    JobRun.objects.create(job="digest", fire_time=NOW, manual=True, outcome="enqueued")
    assert selectors.job_last_runs("digest", now=NOW)[0].manual


def test_the_next_fire_times_follow_the_wall_clock_of_the_jobs_zone_across_dst():
    job = create(crontab="30 2 * * *", timezone="Europe/Berlin")
    times = selectors.job_next_fire_times(job, 3, now=datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert [f"{t.astimezone(UTC):%m-%d %H:%M}" for t in times] == ["03-29 01:30", "03-30 00:30", "03-31 00:30"]


def test_an_interval_counts_from_the_moment_it_was_set_and_a_one_off_fires_once():
    interval = create(name="every-90", kind="interval", crontab="", interval_seconds=90)
    assert selectors.job_next_fire_times(interval, 2, now=NOW + timedelta(seconds=100)) == [
        NOW + timedelta(seconds=180),
        NOW + timedelta(seconds=270),
    ]
    once = create(name="once", kind="one_off", crontab="", run_at=NOW + timedelta(hours=1))
    assert selectors.job_next_fire_times(once, 5, now=NOW) == [NOW + timedelta(hours=1)]


# --- the required jobs --------------------------------------------------------------------------------------


def _migration_0003():
    return importlib.import_module("scheduler.migrations.0003_required_jobs_from_settings")


def test_the_migration_makes_the_two_jobs_rows_from_their_default_settings(settings):
    PeriodicJob.objects.all().delete()
    _migration_0003().jobs_from_settings(apps, None)
    rows = {job.name: (job.crontab, job.timezone, job.actor, job.required) for job in PeriodicJob.objects.all()}
    assert rows == {
        "remove_snippets": ("0 0 * * *", settings.TIME_ZONE, "remove_snippets", True),
        "prune_task_history": ("30 0 * * *", settings.TIME_ZONE, "prune_task_history", True),
    }
    assert JobsRevision.objects.filter(pk=1).exists()


def test_the_migration_keeps_a_deployments_own_purge_schedule(settings):
    settings.SCHEDULER_PURGE_CRON = "15  3 * * 0"
    settings.TIME_ZONE = "Europe/Berlin"
    PeriodicJob.objects.all().delete()
    _migration_0003().jobs_from_settings(apps, None)
    purge = PeriodicJob.objects.get(name="remove_snippets")
    assert (purge.crontab, purge.timezone) == ("15 3 * * 0", "Europe/Berlin")


def test_a_required_job_without_a_row_is_created_after_migrate_and_an_edited_one_is_left_alone(settings):
    purge = selectors.job_get("remove_snippets")
    services.job_update(job=purge, crontab="0 4 * * *")
    PeriodicJob.objects.filter(name="prune_task_history").delete()
    settings.SCHEDULER_PURGE_CRON = "0 1 * * *"

    assert required_jobs_ensure() == ["prune_task_history"]

    assert selectors.job_get("remove_snippets").crontab == "0 4 * * *"
    assert selectors.job_get("prune_task_history").required
    assert {job.name for job in REQUIRED_JOBS} <= set(PeriodicJob.objects.values_list("name", flat=True))


def test_an_interval_trigger_stays_on_its_grid_whatever_moment_it_is_asked_after():
    from scheduler.triggers import EveryInterval

    trigger = EveryInterval(4, NOW)
    assert trigger.get_next_fire_time(None, NOW) == NOW
    assert trigger.get_next_fire_time(None, NOW + timedelta(seconds=1)) == NOW + timedelta(seconds=4)
    assert trigger.get_next_fire_time(NOW + timedelta(seconds=4), None) == NOW + timedelta(seconds=8)
    assert trigger.get_next_fire_time(NOW + timedelta(seconds=5.5), None) == NOW + timedelta(seconds=8)
    assert trigger.get_next_fire_time(NOW - timedelta(hours=1), None) == NOW
