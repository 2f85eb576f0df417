from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from dramatiq import Message

from scheduler import selectors, services
from scheduler.daemon import SchedulerDaemon


class Clock:
    """A clock the test moves by hand; daemons read it wherever they need `now`."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        # In UTC: adding to an aware local time is wall-clock arithmetic, which runs backwards across a DST change.
        self.now = self.now.astimezone(UTC) + timedelta(**delta)
        return self.now

    def set(self, now):
        self.now = now
        return now


@pytest.fixture
def clock():
    return Clock(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))


@pytest.fixture
def stub_broker():
    """The test settings' StubBroker, emptied before and after: it counts what the daemon enqueues."""
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def enqueued(broker, queue="maintenance"):
    """The messages waiting on `queue` of a StubBroker, oldest first."""
    if queue not in broker.queues:
        return []
    return [Message.decode(data) for data in list(broker.queues[queue].queue)]


def pause_all_but(*names):
    """Pause every job but `names` (the required jobs exist from the migrations on)."""
    for job in selectors.jobs_enabled().exclude(name__in=names):
        services.job_pause(job=job)


@pytest.fixture
def make_daemon(clock, stub_broker):
    """Daemons on the test's clock, with the purge the only enabled job unless the test creates others."""
    pause_all_but("remove_snippets")

    def make(**kwargs):
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("lease_seconds", 30)
        kwargs.setdefault("listen", False)
        daemon = SchedulerDaemon(**kwargs)
        daemon.sync()
        return daemon

    return make


def jobs_pause_but(system, *kept):
    """In a scratch system's database, pause every job but those named `kept`, so that a test of real daemons sees
    only its own jobs' sends: the expiry sweep fires every five minutes, and at once at start for a fire time it
    missed since the test's database was made."""
    system.shell(
        "from scheduler import services\nfrom scheduler.models import PeriodicJob\n"
        f"for job in PeriodicJob.objects.exclude(name__in={list(kept)!r}):\n    services.job_pause(job=job)"
    )
