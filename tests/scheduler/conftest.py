from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from dramatiq import Message

from scheduler.daemon import SchedulerDaemon
from scheduler.jobs import job_get


class Clock:
    """A clock the test moves by hand; daemons read it wherever they need `now`."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)
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


@pytest.fixture
def make_daemon(clock, stub_broker):
    def make(**kwargs):
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("lease_seconds", 30)
        # The purge alone: these tests are about the daemon, and every declared job runs the same way.
        return SchedulerDaemon([job_get("remove_snippets")], **kwargs)

    return make
