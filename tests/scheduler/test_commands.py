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
from django.utils.module_loading import import_string
from dramatiq import Actor

from scheduler.checks import check_cron_expressions
from scheduler.cron import CrontabTrigger
from scheduler.jobs import job_get
from scheduler.models import JobRun
from tests.scheduler.conftest import enqueued

LINE = re.compile(r"(?P<job>\S+)\s+(?P<cron>.+?)\s+(?P<next>\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s+(?P<actor>\S+)")


def test_the_purge_is_declared_at_midnight_in_the_configured_zone_and_enqueues_the_foundations_actor():
    purge = job_get("remove_snippets")
    assert (purge.name, purge.cron, purge.actor) == ("remove_snippets", "0 0 * * *", "actors.snippets.remove_snippets")
    assert isinstance(import_string(purge.actor), Actor)


def test_the_expiry_sweep_is_declared_every_five_minutes_so_an_expired_paste_leaves_within_fifteen():
    sweep = job_get("remove_expired_snippets")
    actor = import_string(sweep.actor)

    assert (sweep.cron, sweep.setting) == ("*/5 * * * *", "SCHEDULER_EXPIRE_CRON")
    assert (actor.actor_name, actor.queue_name) == ("remove_expired_snippets", "maintenance")
    now = timezone.now()
    fire = sweep.trigger().get_next_fire_time(None, now)
    assert fire - now <= timedelta(minutes=5)
    assert sweep.trigger().get_next_fire_time(fire, fire) - fire == timedelta(minutes=5)


def test_the_expiry_sweeps_schedule_is_read_from_its_setting(settings):
    settings.SCHEDULER_EXPIRE_CRON = "*/2 * * * *"

    assert job_get("remove_expired_snippets").cron == "*/2 * * * *"


def test_list_prints_each_job_with_its_cron_and_next_fire_time_in_the_configured_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    settings.SCHEDULER_PURGE_CRON = "30 2 * * 1-5"
    out = StringIO()
    call_command("runscheduler", "--list", stdout=out)

    header, *lines = out.getvalue().splitlines()
    [line] = [line for line in lines if line.startswith("remove_snippets ")]
    assert header.split() == ["JOB", "CRON", "NEXT", "RUN", "(Europe/Berlin)", "ACTOR"]
    row = LINE.fullmatch(line).groupdict()
    expected = CrontabTrigger("30 2 * * 1-5", "Europe/Berlin").get_next_fire_time(None, timezone.now())
    assert row == {
        "job": "remove_snippets",
        "cron": "30 2 * * 1-5",
        "next": f"{expected:%Y-%m-%d %H:%M}",
        "actor": "actors.snippets.remove_snippets",
    }


@pytest.mark.django_db
def test_run_now_enqueues_the_job_prints_its_message_id_and_records_it(stub_broker):
    out = StringIO()
    call_command("runscheduler", "--run-now", "remove_snippets", stdout=out)
    [message] = enqueued(stub_broker)
    assert out.getvalue().strip() == message.message_id
    assert JobRun.objects.get(manual=True).message_id == message.message_id


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
