"""Task history rows for view and selector tests, written as the recorder would write them."""

import datetime as dt
import itertools
import json
import uuid

from django.db.models import F
from django.utils import timezone

from taskhistory.minutes import epoch_minute
from taskhistory.models import Task, TaskCounter, TaskStat
from taskhistory.statuses import FINAL, STAGE_DONE, STAGE_READY, rank

_counter = itertools.count(1)


def make_task(
    *, status="succeeded", actor_name="send_feedback_mail", queue_name="mail", args=None, kwargs=None, ago=None, **extra
):
    n = next(_counter)
    enqueued_at = timezone.now() - (ago if ago is not None else dt.timedelta(seconds=n))
    finished = status in FINAL
    values = {
        "message_id": str(uuid.uuid4()),
        "actor_name": actor_name,
        "queue_name": queue_name,
        "args": json.dumps(args if args is not None else [n]),
        "kwargs": json.dumps(kwargs or {}),
        "options": json.dumps({"max_retries": 12}),
        "status": status,
        "rank": rank(retries=extra.get("retries", 0), stage=STAGE_DONE if finished else STAGE_READY),
        "enqueued_at": enqueued_at,
        "queued_at": enqueued_at,
        "started_at": enqueued_at + dt.timedelta(milliseconds=5) if finished else None,
        "finished_at": enqueued_at + dt.timedelta(milliseconds=25) if finished else None,
        "runtime_ms": 20.0 if finished else None,
        "updated_at": enqueued_at,
    }
    if status == "failed":
        values |= {
            "last_error": "PermanentMailError: refused",
            "traceback": "Traceback (most recent call last):\n  …\nPermanentMailError: refused",
        }
        values |= {"dead_lettered_at": values["finished_at"]}
    values.update(extra)
    return Task.objects.create(**values)


def make_stat(*, minute, actor_name="send_feedback_mail", queue_name="mail", **counts):
    """A minute's counts, added to the never-pruned counters as well (the recorder writes both at once)."""
    counter, _ = TaskCounter.objects.get_or_create(actor_name=actor_name, queue_name=queue_name)
    TaskCounter.objects.filter(pk=counter.pk).update(**{name: F(name) + value for name, value in counts.items()})
    return TaskStat.objects.create(minute=epoch_minute(minute), actor_name=actor_name, queue_name=queue_name, **counts)
