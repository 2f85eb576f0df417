"""A worker process's live numbers, and the heartbeat row they are written to."""

import datetime as dt
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from django.utils import timezone
from dramatiq.common import q_name

from . import conf
from .models import Task, WorkerProcess
from .statuses import Status


@dataclass
class Attempt:
    message: object
    retries: int
    started_at: dt.datetime
    clock: float = field(default_factory=time.monotonic)
    reported: bool = False

    def runtime_ms(self):
        return (time.monotonic() - self.clock) * 1000


class WorkerStats:
    """Counters a worker process keeps in memory; its worker threads update them, the heartbeat reads them."""

    def __init__(self):
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self.queues = []
        self.threads = 0
        self.processed = 0
        self.failed = 0
        self._running = {}  # message id -> Attempt
        self._lock = threading.Lock()

    def boot(self, *, queues, threads):
        self.pid = os.getpid()
        self.queues = sorted({q_name(queue) for queue in queues})
        self.threads = threads

    def started(self, message, retries):
        attempt = Attempt(message=message, retries=retries, started_at=timezone.now())
        with self._lock:
            self._running[message.message_id] = attempt
        return attempt

    def finished(self, message_id, *, failed):
        """Count an attempt as processed; returns its Attempt, or None if its start was not seen."""
        with self._lock:
            self.processed += 1
            self.failed += int(failed)
            return self._running.pop(message_id, None)

    def unreported(self):
        """Attempts still running that nobody has recorded as running yet (each is returned once)."""
        with self._lock:
            attempts = [attempt for attempt in self._running.values() if not attempt.reported]
            for attempt in attempts:
                attempt.reported = True
        return attempts

    @property
    def in_flight(self):
        return len(self._running)


def heartbeat_write(stats):
    numbers = {
        "queues": json.dumps(stats.queues),
        "threads": stats.threads,
        "in_flight": stats.in_flight,
        "processed": stats.processed,
        "failed": stats.failed,
        "last_seen": timezone.now(),
    }
    WorkerProcess.objects.update_or_create(
        host=stats.host, pid=stats.pid, defaults=numbers, create_defaults={**numbers, "started_at": stats.started_at}
    )


def heartbeat_remove(stats):
    WorkerProcess.objects.filter(host=stats.host, pid=stats.pid).delete()


def workers_silent_drop() -> int:
    """Forget worker processes silent for longer than the drop age (a crash leaves its row behind), and mark the
    tasks they were running as lost. A lost task keeps its rank, so RabbitMQ's redelivery of its message to
    another worker (or a late write from a worker that was only slow) shows it running again."""
    cutoff = timezone.now() - dt.timedelta(seconds=conf.WORKER_DROP_SECONDS)
    silent = WorkerProcess.objects.filter(last_seen__lt=cutoff)
    for host, pid in silent.values_list("host", "pid"):
        Task.objects.filter(status=Status.RUNNING, worker_host=host, worker_pid=pid).update(status=Status.LOST)
    return silent.delete()[0]
