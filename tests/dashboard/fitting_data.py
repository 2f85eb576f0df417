"""A dashboard with something in every table, long values included, for the browser test of how its tables fit
(tests/dashboard/test_tables_fit.py): run in the scratch system's own process by `manage.py shell`."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from delivery.models import OutboxMessage
from scheduler.models import JobRun, SchedulerHeartbeat, SchedulerLease
from taskhistory.models import BulkOperation, TaskAttempt, WorkerProcess
from tests.taskhistory.factories import make_stat, make_task

MESSAGE_ID = "0b3c7a52-5d8e-4a7e-9a55-2f0d3c1e9a10"
LONG_ERROR = (
    "ConnectionRefusedError: [Errno 111] Connection refused while sending to smtp.mail-relay.internal.example.org:587 "
    "(SMTPServerDisconnected: Connection unexpectedly closed: timed out after 30 seconds)"
)
UNBROKEN = "x" * 150  # an error with no place to break a line: it must wrap anyway


def seed(staff_email, staff_password):
    get_user_model().objects.create_superuser("boss", staff_email, staff_password)
    now = timezone.now()
    failed = make_task(
        status="failed",
        message_id=MESSAGE_ID,
        args=["a-long-argument-" * 8, 42],
        kwargs={"site_url": "https://paste.example.com/with/a/long/path/that/goes/on/and/on"},
        retries=3,
        last_error=LONG_ERROR,
    )
    for attempt in range(4):
        TaskAttempt.objects.create(
            message_id=failed.message_id,
            attempt=attempt,
            status="retrying" if attempt < 3 else "failed",
            started_at=now - dt.timedelta(seconds=40 - 10 * attempt),
            finished_at=now - dt.timedelta(seconds=39 - 10 * attempt),
            runtime_ms=1000.0,
            worker_host="worker-host-with-a-rather-long-name.internal.example.org",
            worker_pid=4242,
            error=LONG_ERROR if attempt % 2 else UNBROKEN,
        )
    make_task(status="failed", actor_name="highlight_snippet", queue_name="highlight", last_error=UNBROKEN)
    for _ in range(12):
        make_task(status="succeeded")
    make_task(status="enqueued", actor_name="highlight_snippet", queue_name="highlight")
    make_stat(minute=now, succeeded=30, failed=2, le_10ms=30)
    WorkerProcess.objects.create(
        host="worker-host-with-a-rather-long-name.internal.example.org",
        pid=4242,
        queues='["mail", "highlight", "maintenance", "mail.DQ", "highlight.DQ", "maintenance.DQ"]',
        threads=8,
        started_at=now - dt.timedelta(hours=3),
        last_seen=now,
    )
    instance = "scheduler-host-with-a-long-name.internal.example.org:31337:0f1e2d3c4b5a"
    SchedulerHeartbeat.objects.create(
        instance=instance, hostname=instance.split(":")[0], pid=31337, started_at=now, beat_at=now, leading=True
    )
    SchedulerLease.objects.update_or_create(name="scheduler", defaults={"holder": instance, "expires_at": now})
    for job in ("remove_snippets", "prune_task_history"):
        JobRun.objects.create(
            job=job,
            fire_time=now - dt.timedelta(hours=1),
            outcome="failed",
            attempts=5,
            last_error=LONG_ERROR,
            enqueued_at=now - dt.timedelta(minutes=59),
            message_id=failed.message_id,
        )
    OutboxMessage.objects.create(
        message_id="5d41402a-bc4b-2a76-b971-9d911017c592",
        actor_path="actors.mail.send_feedback_mail",
        queue_name="mail",
        actor_name="send_feedback_mail",
        args=[17, "https://paste.example.com/with/a/long/path/that/goes/on/and/on"],
        message_timestamp=int(now.timestamp() * 1000),
        available_at=now,
        failures=5,
        last_error=LONG_ERROR + " " + UNBROKEN,
        parked_at=now,
    )
    BulkOperation.objects.create(pk=1, action="retry", total=3, done=1)
