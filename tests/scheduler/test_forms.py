"""The periodic job's form (the admin's and the dashboard's): every way in which input can be wrong is a form
error under the field concerned, saying what is wrong; valid input is saved through the services."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from scheduler.forms import PeriodicJobForm
from scheduler.models import JobRun, PeriodicJob

pytestmark = pytest.mark.django_db


def data(**changes):
    """A valid new job: the purge every Monday at 03:00 in Berlin."""
    base = {
        "name": "weekly-purge",
        "actor": "remove_snippets",
        "args": "[]",
        "kwargs": "{}",
        "kind": "crontab",
        "crontab": "0 3 * * 1",
        "timezone": "Europe/Berlin",
        "interval_seconds": "",
        "run_at": "",
        "enabled": "on",
        "start_at": "",
        "end_at": "",
        "catch_up": "once",
        "description": "An extra purge.",
    }
    return {**base, **changes}


def errors_of(**changes):
    form = PeriodicJobForm(data(**changes))
    assert not form.is_valid()
    assert not PeriodicJob.objects.filter(name=form.data["name"]).exists()
    return form.errors


def test_a_valid_crontab_job_is_saved_through_the_services_and_its_next_fire_time_registered():
    form = PeriodicJobForm(data())
    assert form.is_valid(), form.errors
    job = form.save()
    assert (job.name, job.actor, job.crontab, job.timezone, job.args, job.kwargs) == (
        "weekly-purge",
        "remove_snippets",
        "0 3 * * 1",
        "Europe/Berlin",
        [],
        {},
    )
    [run] = JobRun.objects.filter(job="weekly-purge")
    assert run.outcome == "scheduled"
    local = run.fire_time.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (0, 3, 0)


def test_the_preview_shows_the_next_five_fire_times_the_daemon_will_use():
    form = PeriodicJobForm(data(kind="interval", interval_seconds="90", crontab="", timezone=""))
    assert form.is_valid(), form.errors
    times = form.fire_times_preview()
    assert len(times) == 5
    assert {later - earlier for earlier, later in itertools.pairwise(times)} == {dt.timedelta(seconds=90)}


def test_an_actor_that_is_not_registered_is_refused_by_name():
    errors = errors_of(actor="send_bitcoin")
    assert errors["actor"] == ["There is no actor send_bitcoin: choose one of the registered actors."]


def test_arguments_the_actor_does_not_take_are_refused_naming_its_parameters():
    errors = errors_of(args="[7]")
    assert "The actor remove_snippets takes (no arguments)" in errors["args"][0]
    errors = errors_of(actor="send_feedback_mail", args="[]", kwargs='{"feedback": 1}')
    assert "send_feedback_mail takes (feedback_id)" in errors["args"][0]


def test_text_that_is_not_json_says_where_it_broke():
    errors = errors_of(args="[1, 2")
    assert errors["args"][0].startswith("This is not JSON (Expecting ',' delimiter at line 1, column 6)")
    assert "This is not JSON" in errors_of(kwargs="{days: 7}")["kwargs"][0]


def test_json_values_that_a_message_cannot_carry_are_refused():
    refused = "NaN is not a JSON value: write a number, a string, true, false or null."
    assert errors_of(args="[NaN]")["args"] == [refused]
    assert "must be a JSON list" in errors_of(args='{"a": 1}')["args"][0]
    assert "must be a JSON object" in errors_of(kwargs="[1]")["args"][0]


def test_arguments_are_bounded_in_size():
    assert "at most 10000 characters" in errors_of(args="[" + "1," * 6000 + "1]")["args"][0]


def test_a_crontab_that_never_fires_is_refused():
    assert "never fires" in errors_of(crontab="0 0 30 2 *")["crontab"][0]


def test_a_crontab_that_is_not_one_says_what_one_looks_like():
    message = errors_of(crontab="every day")["crontab"][0]
    assert "is not a crontab expression" in message and "Five fields" in message
    assert "is not a crontab expression" in errors_of(crontab="61 * * * *")["crontab"][0]


def test_a_time_zone_that_does_not_exist_is_refused():
    assert errors_of(timezone="Mars/Olympus_Mons")["timezone"] == ["Mars/Olympus_Mons is not an IANA time zone."]


def test_an_interval_must_be_a_positive_number_of_seconds():
    assert errors_of(kind="interval", interval_seconds="0")["interval_seconds"]
    assert "interval" in " ".join(errors_of(kind="interval", interval_seconds="")["interval_seconds"]).lower()


def test_a_one_off_in_the_past_is_refused():
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert "must be in the future" in errors_of(kind="one_off", run_at=past)["run_at"][0]


def test_an_end_before_the_start_is_refused():
    errors = errors_of(start_at="2031-01-02T00:00:00", end_at="2031-01-01T00:00:00")
    assert errors["end_at"] == ["The end must come after the start."]


def test_a_name_is_unique_and_spelled_simply():
    PeriodicJobForm(data()).save()
    assert PeriodicJobForm(data()).errors["name"]
    assert "letters, digits" in errors_of(name="no spaces please")["name"][0]


def test_garbage_in_every_field_is_form_errors_never_an_exception():
    form = PeriodicJobForm(
        {name: "\x00" * 3 + "\u2019" for name in data()} | {"kind": "nonsense", "interval_seconds": "1e400"}
    )
    assert not form.is_valid()
    assert {"actor", "kind", "catch_up"} <= set(form.errors)


def test_the_fields_of_the_other_kinds_are_emptied_so_a_row_has_one_schedule():
    form = PeriodicJobForm(data(kind="interval", interval_seconds="60", run_at="2031-01-01T00:00:00"))
    job = form.save() if form.is_valid() else pytest.fail(str(form.errors))
    assert (job.kind, job.interval_seconds, job.crontab, job.run_at) == ("interval", 60, "", None)


def test_editing_keeps_the_name_and_bumps_the_version_the_daemons_follow():
    job = PeriodicJobForm(data()).save()
    version = job.version
    form = PeriodicJobForm(data(name="renamed", crontab="15 4 * * *"), instance=job)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.name, saved.crontab, saved.version) == ("weekly-purge", "15 4 * * *", version + 1)
    assert form.changed_data == ["crontab"]
