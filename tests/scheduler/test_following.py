"""The daemon follows the job table: edits, pauses, new jobs, one-offs, intervals, bounds and catch-up policies.

Daemons here run on a clock the test moves (see conftest.py); each step is called as APScheduler would call it.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler import selectors, services
from scheduler.models import JobRun, PeriodicJob
from tests.scheduler.conftest import enqueued

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def ledger(name):
    return [(run.fire_time, run.outcome) for run in JobRun.objects.filter(job=name).order_by("fire_time")]


def sent_fire_times(name):
    return [run.fire_time for run in JobRun.objects.filter(job=name, outcome="enqueued").order_by("fire_time")]


def tick(clock, *daemons, **delta):
    """Move the clock, then let each daemon do what its wake-ups would: heartbeat, sync, the job's own wake-up."""
    clock.advance(**delta)
    for daemon in daemons:
        daemon.heartbeat()
        daemon.sync()
        for name in list(daemon.entries):
            daemon.run_due(name)


def create(clock, **fields):
    fields = {"name": "tick", "actor": "remove_snippets", "crontab": "* * * * *", "timezone": "UTC", **fields}
    return services.job_create(now=clock(), **fields)


def test_an_edit_from_every_minute_to_every_two_minutes_is_followed_and_no_old_fire_time_is_sent(
    make_daemon, stub_broker, clock
):
    clock.set(utc(2026, 3, 1, 10, 0, 30))
    job = create(clock)
    leader, standby = make_daemon(), make_daemon()
    for _ in range(3):
        tick(clock, leader, standby, minutes=1)  # 10:01:30, 10:02:30, 10:03:30
    clock.set(utc(2026, 3, 1, 10, 3, 59))
    services.job_update(job=job, crontab="*/2 * * * *", now=clock())
    # 10:04 comes before the leader has read the edit: it may neither send nor skip anything under its old copy.
    clock.set(utc(2026, 3, 1, 10, 4, 0))
    leader.heartbeat()
    assert leader.run_due("tick") is None
    tick(clock, leader, standby, seconds=1)  # its sync reads the edit and sends 10:04, a second late
    for _ in range(5):
        tick(clock, leader, standby, minutes=1)  # 10:05:01 … 10:09:01
    assert sent_fire_times("tick") == [utc(2026, 3, 1, 10, m) for m in (1, 2, 3, 4, 6, 8)]
    assert [f"{t:%H:%M}" for t, outcome in ledger("tick") if outcome != "enqueued"] == ["10:10"]  # the next one
    assert len(enqueued(stub_broker)) == 6


def test_a_new_job_is_picked_up_by_a_running_daemon_at_its_next_sync(make_daemon, stub_broker, clock):
    daemon = make_daemon()
    daemon.heartbeat()
    assert "tick" not in daemon.entries
    create(clock)
    assert daemon.sync() == ["tick"]
    assert daemon.sync() == []  # nothing changed since: one primary-key read
    tick(clock, daemon, minutes=1)
    assert sent_fire_times("tick") == [utc(2026, 3, 1, 10, 1)]


def test_a_paused_job_sends_nothing_and_once_resumed_runs_once_for_all_it_missed_when_its_policy_is_once(
    make_daemon, stub_broker, clock
):
    job = create(clock)
    daemon = make_daemon()
    tick(clock, daemon, minutes=1)
    job = services.job_pause(job=selectors.job_get("tick"), now=clock())
    for _ in range(10):
        tick(clock, daemon, minutes=1)
    assert sent_fire_times("tick") == [utc(2026, 3, 1, 10, 1)]

    services.job_resume(job=job, now=clock.advance(seconds=30))  # 10:11:30
    daemon.heartbeat()
    daemon.sync()
    caught_up = daemon.run_due("tick")

    assert caught_up.fire_time == utc(2026, 3, 1, 10, 11)
    tick(clock, daemon, seconds=30)
    assert sent_fire_times("tick") == [utc(2026, 3, 1, 10, m) for m in (1, 11, 12)]


def test_a_paused_job_whose_policy_is_skip_runs_nothing_it_missed_once_resumed(make_daemon, stub_broker, clock):
    clock.set(utc(2026, 3, 1, 10, 0, 30))
    job = create(clock, catch_up="skip")
    daemon = make_daemon()
    tick(clock, daemon, minutes=1)
    job = services.job_pause(job=job, now=clock())
    for _ in range(10):
        tick(clock, daemon, minutes=1)
    services.job_resume(job=job, now=clock.advance(seconds=15))  # 10:11:45: 10:11 was missed by 45 s
    daemon.heartbeat()
    daemon.sync()
    assert daemon.run_due("tick") is None
    tick(clock, daemon, seconds=15)
    assert sent_fire_times("tick") == [utc(2026, 3, 1, 10, 1), utc(2026, 3, 1, 10, 12)]


def test_after_downtime_a_job_whose_policy_is_skip_skips_what_it_missed_and_runs_on_time_again(
    make_daemon, stub_broker, clock
):
    create(clock, crontab="0 * * * *", catch_up="skip")
    before = make_daemon()
    tick(clock, before, minutes=1)
    clock.set(utc(2026, 3, 1, 15, 20))  # down from 10:01 to 15:20
    after = make_daemon()
    after.heartbeat()
    assert after.catch_up() == []
    clock.set(utc(2026, 3, 1, 16, 0, 1))
    after.heartbeat()
    assert after.run_due("tick").fire_time == utc(2026, 3, 1, 16)
    assert [(f"{t:%H:%M}", outcome) for t, outcome in ledger("tick")] == [
        ("10:00", "enqueued"),
        ("11:00", "skipped"),  # registered before the downtime, missed by hours: the policy skips it
        ("16:00", "enqueued"),  # 12:00 to 15:00 were never registered: nothing to skip
        ("17:00", "scheduled"),
    ]


def test_a_one_off_job_fires_exactly_once_even_after_a_restart(make_daemon, stub_broker, clock):
    create(clock, name="once", kind="one_off", crontab="", run_at=clock() + timedelta(minutes=5))
    first = make_daemon()
    for _ in range(6):
        tick(clock, first, minutes=1)
    first.shutdown()
    second = make_daemon()
    second.heartbeat()
    second.catch_up()
    for _ in range(3):
        tick(clock, second, minutes=1)
    assert ledger("once") == [(utc(2026, 3, 1, 10, 5), "enqueued")]
    assert len(enqueued(stub_broker)) == 1


def test_a_one_off_missed_while_no_daemon_ran_is_caught_up_once(make_daemon, stub_broker, clock):
    create(clock, name="once", kind="one_off", crontab="", run_at=clock() + timedelta(minutes=5))
    clock.advance(hours=1)
    daemon = make_daemon()
    daemon.heartbeat()
    [run] = daemon.catch_up()
    assert run.fire_time == utc(2026, 3, 1, 10, 5)
    assert daemon.catch_up() == []


def test_an_interval_job_fires_every_interval_from_its_start_and_not_after_its_end(make_daemon, stub_broker, clock):
    start = clock() + timedelta(seconds=20)
    create(clock, kind="interval", crontab="", interval_seconds=45, start_at=start, end_at=start + timedelta(minutes=2))
    daemon = make_daemon()
    for _ in range(30):
        tick(clock, daemon, seconds=5)
    assert sent_fire_times("tick") == [start + timedelta(seconds=45 * k) for k in range(3)]


def test_a_crontab_in_another_zone_than_the_sites_fires_at_its_wall_clock_time_across_its_dst_change(
    settings, make_daemon, stub_broker, clock
):
    settings.TIME_ZONE = "Europe/Berlin"  # the site's; the job reads New York's wall clock
    new_york = ZoneInfo("America/New_York")
    clock.set(datetime(2026, 3, 6, 12, 0, tzinfo=new_york))
    create(clock, crontab="30 2 * * *", timezone="America/New_York")  # 02:30 does not exist on 8 March
    daemon = make_daemon()
    for _ in range(4 * 24 * 4):  # four days of 15-minute ticks
        tick(clock, daemon, minutes=15)

    assert [f"{t.astimezone(new_york):%m-%d %H:%M %Z}" for t in sent_fire_times("tick")] == [
        "03-07 02:30 EST",
        "03-08 03:30 EDT",
        "03-09 02:30 EDT",
        "03-10 02:30 EDT",
    ]
    assert [f"{t:%H:%M}" for t in sent_fire_times("tick")] == ["07:30", "07:30", "06:30", "06:30"]  # UTC


def test_a_job_whose_actor_is_gone_fails_once_visibly_and_is_not_retried(make_daemon, stub_broker, clock):
    create(clock)
    daemon = make_daemon()
    # What a deploy that removed the actor leaves: a row the services validated when the actor still existed.
    PeriodicJob.objects.filter(name="tick").update(actor="removed_actor")
    daemon.entries["tick"].job.actor = "removed_actor"
    tick(clock, daemon, minutes=1)
    tick(clock, daemon, seconds=30)
    failed = JobRun.objects.get(job="tick", fire_time=utc(2026, 3, 1, 10, 1))
    assert (failed.outcome, failed.attempts) == ("failed", 1)
    assert "removed_actor" in failed.last_error
    assert enqueued(stub_broker) == []


def test_a_fire_time_claimed_before_an_edit_commits_is_sent_once_under_the_schedule_it_was_claimed_with(
    make_daemon, stub_broker, clock
):
    clock.set(utc(2026, 3, 1, 10, 0, 30))
    create(clock)
    daemon = make_daemon()
    clock.set(utc(2026, 3, 1, 10, 1))
    daemon.heartbeat()
    publish = daemon.send

    def edited_while_sending(message):
        services.job_update(job=selectors.job_get("tick"), crontab="*/2 * * * *", now=clock())
        return publish(message)

    daemon.send = edited_while_sending
    run = daemon.run_due("tick")
    daemon.send = publish
    for _ in range(3):
        tick(clock, daemon, minutes=1)  # 10:02 … 10:04 under the new schedule

    assert (run.fire_time, run.outcome) == (utc(2026, 3, 1, 10, 1), "enqueued")
    assert sent_fire_times("tick") == [utc(2026, 3, 1, 10, 1), utc(2026, 3, 1, 10, 2), utc(2026, 3, 1, 10, 4)]
    assert len(enqueued(stub_broker)) == 3
