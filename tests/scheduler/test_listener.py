"""On PostgreSQL a committed job change wakes the daemon through LISTEN/NOTIFY; a rolled-back one does not."""

import threading

import pytest
from django.conf import settings
from django.db import transaction

from scheduler import selectors, services
from scheduler.listener import JobsListener

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # no post_migrate rows left for the next test
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="LISTEN is PostgreSQL's"),
]


class Rollback(Exception):
    pass


def test_a_committed_change_wakes_the_listener_and_a_rolled_back_one_does_not():
    woken = threading.Event()
    listener = JobsListener(woken.set)
    listener.start()
    try:
        assert woken.wait(10)  # it reads once on connecting, for what changed while it was not listening
        woken.clear()
        with pytest.raises(Rollback), transaction.atomic():
            services.job_pause(job=selectors.job_get("prune_task_history"))
            raise Rollback
        assert not woken.wait(1.5)
        services.job_pause(job=selectors.job_get("prune_task_history"))
        assert woken.wait(5)
        assert listener.listening
    finally:
        listener.stop()
        listener.join(5)
