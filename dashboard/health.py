"""/dashboard/api/health/: is each part of djangobin up, for load balancers and uptime checks."""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from delivery import queues
from taskhistory import selectors

from . import scheduling
from .wording import counted


@dataclass
class Check:
    ok: bool
    detail: str


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means the same to a load balancer: down
        return Check(ok=False, detail=f"{type(error).__name__}: {error}")
    return Check(ok=True, detail=f"{connection.vendor} answered")


def _rabbitmq():
    try:
        queues.queue_counts([])
    except queues.BrokerUnavailable as error:
        return Check(ok=False, detail=str(error))
    return Check(ok=True, detail="RabbitMQ answered")


def _workers(now):
    live = [row for row in selectors.workers(now=now) if not row.stale]
    if not live:
        return Check(ok=False, detail="No worker process has written a heartbeat lately.")
    return Check(ok=True, detail=f"{counted(len(live), 'worker process', 'worker processes')} alive")


def _scheduler(now):
    age = scheduling.scheduler_heartbeat_age(now=now)
    if age is None:
        return Check(ok=False, detail="No scheduler daemon is running.")
    if age > scheduling.HEARTBEAT_RED_AFTER.total_seconds():
        return Check(ok=False, detail=f"The newest scheduler heartbeat is {age:.0f} s old.")
    return Check(ok=True, detail=f"heartbeat {age:.0f} s ago")


def health() -> dict[str, Check]:
    """Each part's check; the database first, since the worker and scheduler checks read it."""
    now = timezone.now()
    database = _database()
    checks = {"database": database, "rabbitmq": _rabbitmq()}
    if database.ok:
        checks |= {"workers": _workers(now), "scheduler": _scheduler(now)}
    else:
        unknown = Check(ok=False, detail="Unknown: the database is down.")
        checks |= {"workers": unknown, "scheduler": unknown}
    return checks
