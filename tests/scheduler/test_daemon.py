from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from scheduler import selectors, services
from scheduler.daemon import retry_delay
from scheduler.models import JobRun, SchedulerHeartbeat, SchedulerLease
from tests.scheduler.conftest import enqueued
from tests.support.ports import free_port

pytestmark = pytest.mark.django_db

SCHEDULED, RETRYING, ENQUEUED, SKIPPED = (
    JobRun.Outcome.SCHEDULED,
    JobRun.Outcome.RETRYING,
    JobRun.Outcome.ENQUEUED,
    JobRun.Outcome.SKIPPED,
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def purge():
    return selectors.job_get("remove_snippets")


def ledger():
    return [(run.fire_time, run.outcome) for run in JobRun.objects.filter(job="remove_snippets").order_by("fire_time")]


def test_a_first_start_registers_the_next_fire_time_and_enqueues_nothing(make_daemon, stub_broker):
    daemon = make_daemon()
    assert daemon.heartbeat()
    assert daemon.catch_up() == []
    assert enqueued(stub_broker) == []
    assert ledger() == [(utc(2026, 3, 2), SCHEDULED)]


def test_at_its_fire_time_the_purge_is_enqueued_once_and_the_ledger_records_its_message(
    make_daemon, stub_broker, clock
):
    daemon = make_daemon()
    daemon.heartbeat()
    daemon.catch_up()
    clock.set(utc(2026, 3, 2, 0, 0, 0, 200_000))
    daemon.heartbeat()

    run = daemon.run_due("remove_snippets")

    [message] = enqueued(stub_broker)
    assert (message.actor_name, list(message.args)) == ("remove_snippets", [])
    assert (run.outcome, run.attempts, run.message_id) == (ENQUEUED, 1, message.message_id)
    assert run.delay == timedelta(milliseconds=200)
    assert daemon.run_due("remove_snippets") is None
    assert daemon.catch_up() == []
    assert len(enqueued(stub_broker)) == 1
    assert ledger() == [(utc(2026, 3, 2), ENQUEUED), (utc(2026, 3, 3), SCHEDULED)]


def test_after_downtime_only_the_latest_missed_fire_time_is_enqueued_and_older_ones_are_skipped(
    make_daemon, stub_broker, clock
):
    before = make_daemon()
    before.heartbeat()
    before.catch_up()  # registers 2026-03-02 00:00, then the machine goes down for three midnights
    clock.set(utc(2026, 3, 5, 9, 0))

    after = make_daemon()
    assert after.heartbeat()  # the dead daemon's lease expired long ago
    [run] = after.catch_up()

    assert run.fire_time == utc(2026, 3, 5)
    assert ledger() == [(utc(2026, 3, 2), SKIPPED), (utc(2026, 3, 5), ENQUEUED), (utc(2026, 3, 6), SCHEDULED)]
    assert after.catch_up() == []
    assert len(enqueued(stub_broker)) == 1


def test_two_daemons_at_the_same_fire_time_enqueue_it_once(make_daemon, stub_broker, clock):
    first, second = make_daemon(), make_daemon()
    assert first.heartbeat()
    assert not second.heartbeat()
    first.catch_up()
    clock.set(utc(2026, 3, 1, 23, 59, 50))
    first.heartbeat()  # the leader renews its lease every 10 s
    clock.set(utc(2026, 3, 2))

    for daemon in (second, first, second, first):
        daemon.heartbeat()
        daemon.run_due("remove_snippets")
        daemon.catch_up()

    assert len(enqueued(stub_broker)) == 1
    assert JobRun.objects.get(outcome=ENQUEUED).claimed_by == first.instance


def test_a_daemon_that_wrongly_believes_it_leads_cannot_claim_a_run(make_daemon, stub_broker, clock):
    leader, stale = make_daemon(), make_daemon()
    leader.heartbeat()
    stale.heartbeat()
    leader.catch_up()
    clock.set(utc(2026, 3, 2))
    leader.heartbeat()
    stale.leading = True  # e.g. a process paused past its lease that has not noticed yet

    assert stale.catch_up() == []
    assert enqueued(stub_broker) == []
    assert len(leader.catch_up()) == 1


def test_when_the_leader_dies_a_standby_takes_over_once_the_lease_expires_and_runs_the_fire_time_it_missed(
    make_daemon, stub_broker, clock
):
    leader, standby = make_daemon(), make_daemon()
    leader.heartbeat()
    standby.heartbeat()
    leader.catch_up()
    clock.set(utc(2026, 3, 1, 23, 59, 50))
    leader.heartbeat()  # its last one: killed right after, before midnight

    clock.set(utc(2026, 3, 2, 0, 0, 15))
    assert not standby.heartbeat()  # the lease runs until 00:00:20
    assert standby.catch_up() == []
    clock.set(utc(2026, 3, 2, 0, 0, 21))
    assert standby.heartbeat()
    [run] = standby.catch_up()

    assert (run.fire_time, run.claimed_by) == (utc(2026, 3, 2), standby.instance)
    assert len(enqueued(stub_broker)) == 1


@pytest.mark.parametrize("phase", [0.0, 4.0, 9.9])
def test_with_the_default_lease_a_standby_leads_within_60_seconds_of_the_leaders_last_heartbeat(
    make_daemon, clock, phase
):
    leader, standby = make_daemon(lease_seconds=None), make_daemon(lease_seconds=None)
    died_at = clock()
    leader.heartbeat()
    clock.advance(seconds=phase)
    while not standby.heartbeat():
        clock.advance(seconds=standby.beat_seconds)
    assert clock() - died_at <= timedelta(seconds=60)
    assert standby.beat_seconds <= 30


def test_a_run_whose_claimer_died_before_sending_is_sent_by_its_successor(make_daemon, stub_broker, clock):
    leader, standby = make_daemon(), make_daemon()
    leader.heartbeat()
    standby.heartbeat()
    leader.catch_up()
    clock.set(utc(2026, 3, 2))
    leader.heartbeat()
    run = JobRun.objects.get(fire_time=utc(2026, 3, 2))
    assert services.job_run_claim(run=run, holder=leader.instance, now=clock(), seconds=30, version=purge().version)

    clock.advance(seconds=31)
    assert standby.heartbeat()
    [sent] = standby.catch_up()

    assert (sent.attempts, sent.claimed_by, sent.outcome) == (2, standby.instance, ENQUEUED)
    assert not services.job_run_enqueued(run=run, holder=leader.instance, message_id="late", now=clock())
    assert len(enqueued(stub_broker)) == 1


def test_the_retry_backoff_doubles_from_one_second_up_to_a_minute():
    assert [retry_delay(attempts) for attempts in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_send_that_fails_is_retried_with_backoff_until_it_succeeds_and_the_ledger_shows_the_delay(
    make_daemon, clock, rabbitmq_vhost
):
    down = RabbitmqBroker(url=f"amqp://guest:guest@127.0.0.1:{free_port()}/", middleware=[])
    daemon = make_daemon(broker=down)
    daemon.heartbeat()
    daemon.catch_up()
    fire_time = clock.set(utc(2026, 3, 2))
    daemon.heartbeat()

    for attempt, wait in enumerate([1, 2, 4, 8], start=1):
        assert daemon.run_due("remove_snippets") is None
        run = JobRun.objects.get(fire_time=fire_time)
        assert (run.outcome, run.attempts) == (RETRYING, attempt)
        assert "Connection" in run.last_error
        assert run.next_attempt_at == clock() + timedelta(seconds=wait)
        clock.advance(seconds=wait - 0.5)
        daemon.heartbeat()
        assert daemon.run_due("remove_snippets") is None  # not before its backoff
        assert JobRun.objects.get(fire_time=fire_time).attempts == attempt
        clock.advance(seconds=0.5)
    first_message_id = JobRun.objects.get(fire_time=fire_time).message_id

    up = RabbitmqBroker(url=rabbitmq_vhost.url, middleware=[])
    daemon.broker = up
    try:
        run = daemon.run_due("remove_snippets")
    finally:
        up.close()
        down.close()

    assert (run.outcome, run.attempts, run.message_id) == (ENQUEUED, 5, first_message_id)
    assert run.delay == timedelta(seconds=1 + 2 + 4 + 8)
    assert "Connection" in run.last_error  # why it was late stays visible
    assert rabbitmq_vhost.queue_depths()["maintenance"] == 1


def test_a_run_still_failing_at_the_next_fire_time_is_superseded_by_it(make_daemon, clock):
    down = RabbitmqBroker(url=f"amqp://guest:guest@127.0.0.1:{free_port()}/", middleware=[])
    daemon = make_daemon(broker=down)
    daemon.heartbeat()
    daemon.catch_up()
    clock.set(utc(2026, 3, 2))
    daemon.heartbeat()
    daemon.run_due("remove_snippets")
    clock.set(utc(2026, 3, 3))
    daemon.heartbeat()
    daemon.run_due("remove_snippets")
    down.close()

    assert ledger() == [(utc(2026, 3, 2), SKIPPED), (utc(2026, 3, 3), RETRYING), (utc(2026, 3, 4), SCHEDULED)]
    assert JobRun.objects.get(fire_time=utc(2026, 3, 2)).last_error


def test_a_manual_run_is_recorded_and_does_not_replace_the_scheduled_one(make_daemon, stub_broker, clock):
    daemon = make_daemon()
    daemon.heartbeat()
    daemon.catch_up()
    clock.set(utc(2026, 3, 1, 23, 0))
    message = services.job_run_now(job=purge(), now=clock())
    clock.set(utc(2026, 3, 2))
    daemon.heartbeat()
    [scheduled] = daemon.catch_up()

    manual = JobRun.objects.get(manual=True)
    assert (manual.fire_time, manual.outcome, manual.message_id) == (utc(2026, 3, 1, 23), ENQUEUED, message.message_id)
    assert scheduled.fire_time == utc(2026, 3, 2)
    assert [m.message_id for m in enqueued(stub_broker)] == [message.message_id, scheduled.message_id]


def test_a_run_registered_under_an_old_schedule_is_withdrawn_when_the_schedule_changes(make_daemon, stub_broker, clock):
    old = make_daemon()
    old.heartbeat()
    old.catch_up()
    old.shutdown()
    services.job_update(job=purge(), crontab="0 3 * * *", now=clock())
    new = make_daemon()
    new.heartbeat()
    clock.set(utc(2026, 3, 2, 1, 0))
    new.heartbeat()
    assert new.catch_up() == []
    clock.set(utc(2026, 3, 2, 3, 0))
    new.heartbeat()
    assert len(new.catch_up()) == 1
    assert ledger() == [(utc(2026, 3, 2, 3), ENQUEUED), (utc(2026, 3, 3, 3), SCHEDULED)]


def test_a_clean_stop_gives_the_lease_up_so_a_standby_leads_at_its_next_heartbeat(make_daemon, clock):
    leader, standby = make_daemon(), make_daemon()
    leader.heartbeat()
    assert not standby.heartbeat()
    assert leader.shutdown()
    assert standby.heartbeat()
    assert SchedulerLease.objects.get().holder == standby.instance
    stopped = SchedulerHeartbeat.objects.get(instance=leader.instance)
    assert (stopped.stopped_at, stopped.leading) == (clock(), False)


def test_each_heartbeat_records_when_the_daemon_was_last_alive_and_whether_it_leads(make_daemon, clock):
    leader, standby = make_daemon(), make_daemon()
    leader.heartbeat()
    standby.heartbeat()
    clock.advance(seconds=10)
    leader.heartbeat()
    beats = {beat.instance: beat for beat in SchedulerHeartbeat.objects.all()}
    assert (beats[leader.instance].beat_at, beats[leader.instance].leading) == (clock(), True)
    ten_seconds_ago = clock() - timedelta(seconds=10)
    assert (beats[standby.instance].beat_at, beats[standby.instance].leading) == (ten_seconds_ago, False)
    assert beats[leader.instance].started_at == ten_seconds_ago


def test_in_berlin_the_purge_runs_once_every_local_midnight_across_the_march_change(make_daemon, stub_broker, clock):
    berlin = ZoneInfo("Europe/Berlin")
    clock.set(datetime(2025, 3, 28, 12, 0, tzinfo=berlin))
    services.job_update(job=purge(), timezone="Europe/Berlin", now=clock())
    daemon = make_daemon()
    for _ in range(4 * 24 * 4):  # four days of 15-minute catch-up ticks
        daemon.heartbeat()
        daemon.catch_up()
        clock.advance(minutes=15)

    enqueued_runs = JobRun.objects.filter(outcome=ENQUEUED).order_by("fire_time")
    assert [f"{run.fire_time.astimezone(berlin):%m-%d %H:%M}" for run in enqueued_runs] == [
        "03-29 00:00",
        "03-30 00:00",
        "03-31 00:00",
        "04-01 00:00",
    ]
    assert len(enqueued(stub_broker)) == 4
