"""Real `runscheduler` processes following the job table: edits, a SIGKILLed leader, one-offs, 200 jobs at once.

Interval schedules of a few seconds stand in for "every minute" so that each test runs in seconds; the daemon's
code path is the same for every kind of schedule (`triggers.py`).
"""

import json
import time
from datetime import datetime, timedelta

import pytest

from tests.scheduler.conftest import jobs_pause_but

pytestmark = pytest.mark.integration

LEADS = "leads: it fires the jobs"


def jobs_shell(system, code):
    """Run `code` with the scheduler's services at hand; returns what it printed, parsed as JSON."""
    prelude = (
        "import json\nfrom datetime import timedelta\nfrom django.utils import timezone\n"
        "from scheduler import selectors, services\n"
    )
    return json.loads(system.shell(prelude + code) or "null")


def ledger(system, name):
    rows = jobs_shell(
        system,
        "from scheduler.models import JobRun\n"
        f"print(json.dumps([dict(fire_time=r.fire_time.isoformat(), outcome=r.outcome, claimed_by=r.claimed_by,"
        " enqueued_at=r.enqueued_at and r.enqueued_at.isoformat())"
        f" for r in JobRun.objects.filter(job={name!r}).order_by('fire_time')]))",
    )
    for row in rows:
        row["fire_time"] = datetime.fromisoformat(row["fire_time"])
        row["enqueued_at"] = row["enqueued_at"] and datetime.fromisoformat(row["enqueued_at"])
    return rows


def sent(rows):
    return [row for row in rows if row["outcome"] == "enqueued"]


def wait_for_depth(vhost, expected, timeout=30.0):
    """RabbitMQ's count of messages ready on `maintenance`, once it equals `expected` (or the last seen)."""
    deadline = time.monotonic() + timeout
    while True:
        depth = vhost.queue_depths().get("maintenance", 0)
        if depth == expected or time.monotonic() > deadline:
            return depth
        time.sleep(0.5)


def test_two_daemons_follow_an_edit_mid_run_and_a_killed_leader_without_sending_a_fire_time_twice(
    system, rabbitmq_vhost
):
    jobs_pause_but(system)
    jobs_shell(system, "services.job_create(name='tick', actor='remove_snippets', kind='interval', interval_seconds=2)")
    env = {"SCHEDULER_LEASE_SECONDS": "3"}
    daemons = [system.start("scheduler", "runscheduler", env=env) for _ in range(2)]
    for daemon in daemons:
        daemon.wait_for_log("Scheduler ")
    deadline = time.monotonic() + 30
    while not any(LEADS in daemon.log() for daemon in daemons) and time.monotonic() < deadline:
        time.sleep(0.1)
    [leader] = [daemon for daemon in daemons if LEADS in daemon.log()]
    [standby] = [daemon for daemon in daemons if daemon is not leader]
    leader.wait_for_log("Enqueued tick", count=3)

    # Every two seconds becomes every four: the "every minute to every two minutes" of a crontab, faster.
    edit = jobs_shell(
        system,
        "job = services.job_update(job=selectors.job_get('tick'), interval_seconds=4)\n"
        "print(json.dumps(dict(at=timezone.now().isoformat(), anchor=job.anchor_at.isoformat())))",
    )
    edited_at, anchor = datetime.fromisoformat(edit["at"]), datetime.fromisoformat(edit["anchor"])
    leader.wait_for_log("Job tick (every 4 s)", timeout=5)
    before_kill = leader.log().count("Enqueued tick") + 2
    leader.wait_for_log("Enqueued tick", count=before_kill, timeout=20)
    leader.kill()  # right after a send: the next fire time is seconds away
    standby.wait_for_log(LEADS, timeout=20)
    standby.wait_for_log("Enqueued tick", count=3, timeout=30)
    standby.signal(15)
    assert standby.popen.wait(timeout=10) == 0

    rows = ledger(system, "tick")
    fire_times = [row["fire_time"] for row in sent(rows)]
    assert len(fire_times) == len(set(fire_times))
    # Five fires follow the new schedule (the leader's two after it logged it, the standby's three). The schedule keeps
    # the job's anchor, so its first fire may fall within the 2 s after the edit that are skipped here (where an old
    # two-second fire may still be due): at least four remain, each on the new grid.
    after_edit = [t for t in fire_times if t > edited_at + timedelta(seconds=2)]
    assert len(after_edit) >= 4
    assert all((t - anchor).total_seconds() % 4 == 0 for t in after_edit), after_edit
    assert {row["claimed_by"].split(":")[1] for row in sent(rows)} == {str(d.popen.pid) for d in daemons}
    assert wait_for_depth(rabbitmq_vhost, len(fire_times)) == len(fire_times)  # one message per fire time


def test_a_one_off_job_fires_exactly_once_across_a_restart(system, rabbitmq_vhost):
    jobs_pause_but(system)
    jobs_shell(
        system,
        "services.job_create(name='once', actor='remove_snippets', kind='one_off',"
        " run_at=timezone.now() + timedelta(seconds=4))",
    )
    first = system.start("scheduler", "runscheduler")
    first.wait_for_log("Enqueued once", timeout=30)
    first.signal(15)
    assert first.popen.wait(timeout=10) == 0

    second = system.start("scheduler", "runscheduler")
    second.wait_for_log("Caught up:", timeout=30)
    second.wait_for_log("Caught up:", timeout=5)  # and that daemon once more, after its restart was seen
    second.signal(15)
    assert second.popen.wait(timeout=10) == 0

    assert [row["outcome"] for row in ledger(system, "once")] == ["enqueued"]
    assert "Enqueued once" not in second.log()
    assert wait_for_depth(rabbitmq_vhost, 1) == 1


@pytest.mark.timed
def test_200_jobs_due_at_the_same_moment_are_all_enqueued_within_5_seconds(system, rabbitmq_vhost):
    jobs_pause_but(system)
    scheduler = system.start("scheduler", "runscheduler")
    scheduler.wait_for_log(LEADS)
    due = jobs_shell(
        system,
        "from django.db import transaction\n"
        "start = (timezone.now() + timedelta(seconds=8)).replace(microsecond=0)\n"
        "with transaction.atomic():\n"
        "    for i in range(200):\n"
        "        services.job_create(name=f'job-{i:03}', actor='remove_snippets', kind='interval',"
        " interval_seconds=3600, start_at=start)\n"
        "print(json.dumps(start.isoformat()))",
    )
    scheduler.wait_for_log("Enqueued job-", count=200, timeout=60)

    rows = jobs_shell(
        system,
        "from scheduler.models import JobRun\n"
        "runs = JobRun.objects.filter(job__startswith='job-', outcome='enqueued')\n"
        "print(json.dumps([(r.fire_time.isoformat(), (r.enqueued_at - r.fire_time).total_seconds()) for r in runs]))",
    )
    assert len(rows) == 200
    assert {fire_time for fire_time, _ in rows} == {due}
    assert max(delay for _, delay in rows) <= 5.0, sorted(delay for _, delay in rows)[-5:]
    assert wait_for_depth(rabbitmq_vhost, 200) == 200
