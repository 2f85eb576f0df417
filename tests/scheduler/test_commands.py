import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from dramatiq import Actor

from delivery import registry
from scheduler import selectors, services
from scheduler.checks import check_cron_expressions
from scheduler.cron import CrontabTrigger
from scheduler.models import JobRun
from tests.scheduler.conftest import enqueued

LINE = re.compile(r"(?P<job>\S+)\s+(?P<schedule>.+?)\s+(?P<next>\d{4}-\d{2}-\d{2} \d{2}:\d{2}|paused)\s+(?P<actor>\S+)")


@pytest.mark.django_db
def test_the_purge_is_a_required_job_at_midnight_in_the_configured_zone_and_enqueues_the_foundations_actor(settings):
    purge = selectors.job_get("remove_snippets")
    assert (purge.crontab, purge.timezone, purge.actor) == ("0 0 * * *", settings.TIME_ZONE, "remove_snippets")
    assert purge.required
    assert isinstance(registry.actor_get(purge.actor), Actor)


@pytest.mark.django_db
def test_the_expiry_sweep_is_a_required_job_every_five_minutes_so_an_expired_paste_leaves_within_fifteen():
    sweep = selectors.job_get("remove_expired_snippets")
    actor = registry.actor_get(sweep.actor)

    assert (sweep.crontab, sweep.required) == ("*/5 * * * *", True)
    assert (actor.actor_name, actor.queue_name) == ("remove_expired_snippets", "maintenance")
    now = timezone.now()
    fires = selectors.job_next_fire_times(sweep, 2, now=now)
    assert fires[0] - now <= timedelta(minutes=5)
    assert fires[1] - fires[0] == timedelta(minutes=5)


@pytest.mark.django_db
def test_the_expiry_sweeps_row_is_created_from_its_setting_when_missing(settings):
    from scheduler.jobs import required_jobs_ensure
    from scheduler.models import PeriodicJob

    PeriodicJob.objects.filter(name="remove_expired_snippets").delete()
    settings.SCHEDULER_EXPIRE_CRON = "*/2 * * * *"

    assert required_jobs_ensure() == ["remove_expired_snippets"]
    assert selectors.job_get("remove_expired_snippets").crontab == "*/2 * * * *"


@pytest.mark.django_db
def test_list_prints_each_job_with_its_schedule_and_next_fire_time_in_the_configured_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    services.job_update(job=selectors.job_get("remove_snippets"), crontab="30 2 * * 1-5", timezone="America/New_York")
    services.job_pause(job=selectors.job_get("prune_task_history"))
    out = StringIO()
    call_command("runscheduler", "--list", stdout=out)

    header, *lines = out.getvalue().splitlines()
    rows = {row["job"]: row for row in (LINE.fullmatch(line).groupdict() for line in lines)}
    assert header.split() == ["JOB", "SCHEDULE", "NEXT", "RUN", "(Europe/Berlin)", "ACTOR"]
    expected = CrontabTrigger("30 2 * * 1-5", "America/New_York").get_next_fire_time(None, timezone.now())
    assert rows["remove_snippets"] == {
        "job": "remove_snippets",
        "schedule": "30 2 * * 1-5 (America/New_York)",
        "next": f"{expected.astimezone(timezone.get_default_timezone()):%Y-%m-%d %H:%M}",
        "actor": "remove_snippets",
    }
    assert rows["prune_task_history"]["next"] == "paused"


@pytest.mark.django_db
def test_run_now_enqueues_the_job_prints_its_message_id_and_records_it(stub_broker):
    out = StringIO()
    call_command("runscheduler", "--run-now", "remove_snippets", stdout=out)
    [message] = enqueued(stub_broker)
    assert out.getvalue().strip() == message.message_id
    assert JobRun.objects.get(manual=True).message_id == message.message_id


@pytest.mark.django_db
def test_run_now_of_an_unknown_job_names_the_known_ones():
    known = "prune_task_history, remove_expired_snippets, remove_snippets"
    with pytest.raises(CommandError, match=f"no job 'nope'; the jobs are: {known}"):
        call_command("runscheduler", "--run-now", "nope")


def test_a_bad_cron_expression_fails_the_system_checks_naming_its_setting(settings):
    settings.SCHEDULER_PURGE_CRON = "0 0 * *"
    [error] = check_cron_expressions(None)
    assert error.id == "scheduler.E001"
    assert "SCHEDULER_PURGE_CRON='0 0 * *'" in error.msg
    settings.SCHEDULER_PURGE_CRON = "0 0 * * *"
    assert check_cron_expressions(None) == []


def test_neither_django_start_up_nor_the_scheduler_imports_the_actors():
    code = (
        "import sys, django; django.setup();"
        "import scheduler.daemon, scheduler.management.commands.runscheduler;"
        "print(sorted(m for m in sys.modules if m in ('actors.mail', 'actors.snippets')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "django_project.settings_test"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[]"
