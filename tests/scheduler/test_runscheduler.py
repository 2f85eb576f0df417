"""The real `runscheduler` process against a RabbitMQ vhost of its own, a scratch database and real workers."""

import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from scheduler.cron import CrontabTrigger
from tests.scheduler.conftest import jobs_pause_but
from tests.support.rabbitmq import RABBITMQ_HOST
from tests.support.system import READY_LINE
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
LEADS = "leads: it fires the jobs"
ENQUEUED = re.compile(r"Enqueued remove_snippets for (\S+ \S+) UTC as message ([0-9a-f-]{36}) \(attempt (\d+)")


def today_at_midnight():
    return timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def seed_missed_run(system, days_ago=3):
    """A run a daemon registered before the machine went down for `days_ago` midnights."""
    fire_time = today_at_midnight() - timedelta(days=days_ago)
    system.shell(
        "from datetime import datetime\nfrom scheduler.models import JobRun\n"
        f"JobRun.objects.create(job='remove_snippets', fire_time=datetime.fromisoformat('{fire_time.isoformat()}'))"
    )
    return fire_time


def ledger(system):
    """The purge's rows of the run ledger, oldest fire time first."""
    rows = system.shell(
        "import json\nfrom scheduler.models import JobRun\n"
        "print(json.dumps([dict(fire_time=r.fire_time.isoformat(), outcome=r.outcome, attempts=r.attempts,"
        " message_id=r.message_id, claimed_by=r.claimed_by, last_error=r.last_error,"
        " delay=r.delay.total_seconds() if r.delay else None)"
        " for r in JobRun.objects.filter(job='remove_snippets').order_by('fire_time')]))"
    )
    return [{**row, "fire_time": datetime.fromisoformat(row["fire_time"])} for row in json.loads(rows)]


def make_snippets(system):
    """Snippets expired a second ago, expiring in an hour, and never expiring; returns their ids by name."""
    return json.loads(
        system.shell(
            "import json\nfrom datetime import timedelta\nfrom django.utils import timezone\n"
            "from djangobin.models import Snippet\nfrom tests.factories import make_snippet\n"
            "now = timezone.now()\n"
            "ids = {name: make_snippet(expiration=exp, tags=['x']).pk"
            " for name, exp in [('expired', '1 week'), ('later', '1 week'), ('never', 'never')]}\n"
            "Snippet.objects.filter(pk=ids['expired']).update(expires_at=now - timedelta(seconds=1))\n"
            "Snippet.objects.filter(pk=ids['later']).update(expires_at=now + timedelta(hours=1))\n"
            "print(json.dumps(ids))"
        )
    )


def remaining_snippets(system):
    return set(
        json.loads(
            system.shell(
                "from djangobin.models import Snippet\nprint(list(Snippet.objects.values_list('pk', flat=True)))"
            )
        )
    )


def proxied_broker(rabbitmq_vhost):
    host, _, port = RABBITMQ_HOST.partition(":")
    proxy = TcpProxy(host, port or 5672)
    return proxy, proxy.url_for(rabbitmq_vhost.url)


def test_a_missed_midnight_is_enqueued_within_60_seconds_of_start_and_a_real_worker_purges_what_expired(system):
    jobs_pause_but(system, "remove_snippets")
    missed = seed_missed_run(system)
    snippets = make_snippets(system)
    worker = system.start_worker(queues=("maintenance",))

    scheduler = system.start("scheduler", "runscheduler")
    scheduler.wait_for_log("Enqueued remove_snippets", timeout=60)
    worker.wait_for_log("Deleted 1 expired snippets.")

    fire_time, message_id, attempt = ENQUEUED.search(scheduler.log()).groups()
    assert (fire_time, attempt) == (f"{today_at_midnight():%Y-%m-%d %H:%M:%S}", "1")
    assert remaining_snippets(system) == {snippets["later"], snippets["never"]}
    assert [(row["fire_time"], row["outcome"], row["message_id"]) for row in ledger(system)] == [
        (missed, "skipped", ""),
        (today_at_midnight(), "enqueued", message_id),
        (today_at_midnight() + timedelta(days=1), "scheduled", ""),
    ]


@pytest.mark.timed
@pytest.mark.one_database  # a signal's handling does not depend on the database
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_runscheduler_cleanly_within_5_seconds_even_while_it_retries(system, rabbitmq_vhost, signum):
    jobs_pause_but(system, "remove_snippets")
    seed_missed_run(system)
    _, url = proxied_broker(rabbitmq_vhost)  # never switched on: every send fails and is retried
    scheduler = system.start("scheduler", "runscheduler", env={"RABBITMQ_URL": url})
    scheduler.wait_for_log("enqueue attempt 2 failed")

    scheduler.signal(signum)

    assert scheduler.popen.wait(timeout=5) == 0
    assert "stopped." in scheduler.log()
    lease = system.shell(
        "from scheduler.models import SchedulerLease as L, SchedulerHeartbeat as H\n"
        "print(repr(L.objects.get().holder), H.objects.get().stopped_at is not None)"
    )
    assert lease == "'' True"


def test_run_now_prints_a_message_id_that_a_real_worker_then_runs(system):
    jobs_pause_but(system, "remove_snippets")
    snippets = make_snippets(system)
    # At DEBUG the worker logs the id of every message it receives.
    worker = system.start(
        "worker",
        "rundramatiq",
        "--processes",
        "1",
        "--threads",
        "1",
        "--queues",
        "maintenance",
        "-v",
        "2",
        env={"DJANGO_LOG_LEVEL": "DEBUG"},
    )
    worker.wait_for_log(READY_LINE)

    message_id = system.manage("runscheduler", "--run-now", "remove_snippets").stdout.strip()

    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", message_id)
    worker.wait_for_log(f"Received message remove_snippets() with id '{message_id}'")
    worker.wait_for_log("Deleted 1 expired snippets.")
    assert remaining_snippets(system) == {snippets["later"], snippets["never"]}
    [manual] = [row for row in ledger(system) if row["message_id"] == message_id]
    assert manual["outcome"] == "enqueued"


def test_migrate_makes_the_purge_a_row_with_the_deployments_schedule_and_list_shows_it(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "django_project.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "DJANGO_TIME_ZONE": "Europe/Berlin",
        "SCHEDULER_PURGE_CRON": "15 3 * * 0",
    }
    for args in (["migrate", "-v", "0"], ["runscheduler", "--list"]):
        out = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr
    header, *lines = out.stdout.splitlines()
    [line] = [line for line in lines if line.startswith("remove_snippets ")]
    expected = CrontabTrigger("15 3 * * 0", "Europe/Berlin").get_next_fire_time(None, timezone.now())
    assert "NEXT RUN (Europe/Berlin)" in header
    assert line.split() == [
        "remove_snippets",
        "15",
        "3",
        "*",
        "*",
        "0",
        "(Europe/Berlin)",
        *f"{expected:%Y-%m-%d %H:%M}".split(),
        "remove_snippets",
    ]
    assert f"{expected:%a %H:%M}" == "Sun 03:15"


# It waits for the next minute's fire time, up to a minute. Its ledger writes are the other tests' writes, which
# run on both databases; the on-time fire and the retries it checks do not depend on the database.
@pytest.mark.skipif(
    "postgresql" in settings.DATABASES["default"]["ENGINE"], reason="the on-time fire is tested in the SQLite pass"
)
def test_while_rabbitmq_is_down_at_the_fire_time_the_enqueue_is_retried_and_the_ledger_shows_the_delay(
    system, rabbitmq_vhost
):
    jobs_pause_but(system, "remove_snippets")
    proxy, url = proxied_broker(rabbitmq_vhost)  # down: nothing listens yet
    system.shell(
        "from scheduler import selectors, services\n"
        "services.job_update(job=selectors.job_get('remove_snippets'), crontab='* * * * *')"
    )
    scheduler = system.start("scheduler", "runscheduler", env={"RABBITMQ_URL": url})
    scheduler.wait_for_log("enqueue attempt 3 failed", timeout=90)  # the next minute, then 1 s and 2 s later
    proxy.up()
    try:
        scheduler.wait_for_log("Enqueued remove_snippets", timeout=60)
    finally:
        proxy.down()

    [run] = [row for row in ledger(system) if row["outcome"] == "enqueued"]
    assert run["attempts"] >= 4
    assert "Connection" in run["last_error"]
    assert run["delay"] >= 1 + 2 + 4  # the backoff waited out before the fourth attempt
    assert rabbitmq_vhost.queue_depths()["maintenance"] == 1


def test_two_daemons_enqueue_a_run_once_and_the_standby_finishes_it_when_the_leader_is_killed(system, rabbitmq_vhost):
    jobs_pause_but(system, "remove_snippets")
    seed_missed_run(system)
    proxy, url = proxied_broker(rabbitmq_vhost)  # down: the leader is left retrying
    env = {"RABBITMQ_URL": url, "SCHEDULER_LEASE_SECONDS": "6"}
    daemons = [system.start("scheduler", "runscheduler", env=env) for _ in range(2)]
    for daemon in daemons:
        daemon.wait_for_log("next fire time")
    [leader] = [daemon for daemon in daemons if LEADS in daemon.log()]
    [standby] = [daemon for daemon in daemons if daemon is not leader]
    assert "standing by" in standby.log()
    leader.wait_for_log("enqueue attempt 2 failed")

    leader.kill()
    standby.wait_for_log(LEADS, timeout=60)
    proxy.up()
    try:
        standby.wait_for_log("Enqueued remove_snippets", timeout=60)
    finally:
        proxy.down()

    assert "Enqueued" not in leader.log()
    assert "enqueue attempt" not in standby.log().split(LEADS)[0]  # the standby sent nothing while standing by
    [run] = [row for row in ledger(system) if row["outcome"] == "enqueued"]
    assert run["attempts"] >= 3
    assert run["claimed_by"] in standby.log()
    assert rabbitmq_vhost.queue_depths()["maintenance"] == 1


def test_the_expiry_sweep_fires_on_its_own_schedule_and_a_real_worker_deletes_only_what_expired(system):
    snippets = make_snippets(system)
    worker = system.start_worker(queues=("maintenance",))

    # Every 2 seconds here, so the test does not wait for the clock's next five minutes
    system.shell(
        "from scheduler import selectors, services\n"
        "services.job_update(job=selectors.job_get('remove_expired_snippets'), kind='interval', crontab='',"
        " interval_seconds=2)"
    )
    scheduler = system.start("scheduler", "runscheduler")
    scheduler.wait_for_log("Enqueued remove_expired_snippets", timeout=60)
    worker.wait_for_log("Deleted 1 expired snippets.")

    assert remaining_snippets(system) == {snippets["later"], snippets["never"]}
    assert "Enqueued remove_snippets" not in scheduler.log()  # the nightly purge keeps its own time
