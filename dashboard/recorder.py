"""Getting task events into the database without slowing down or breaking the work they describe.

A process that only sends (web, shell, scheduler) writes each event at once, inside a savepoint. A worker
process buffers its events and one background thread writes them every `flush_seconds` in one transaction,
along with the process's heartbeat. A failed write is logged and retried a few times, then dropped: losing
a history row is better than losing a message. A worker killed with SIGKILL loses its unwritten buffer.
"""

import logging
import threading
import time

from django.db import connection, transaction

from . import conf
from .events import started
from .heartbeat import WorkerStats, heartbeat_remove, heartbeat_write, workers_silent_drop
from .store import events_write

logger = logging.getLogger(__name__)

MAX_BUFFERED = 100_000
MAX_FLUSH_ATTEMPTS = 3


class Recorder:
    def __init__(self):
        self.stats = WorkerStats()
        self._buffer = []
        self._lock = threading.Lock()
        self._thread = None
        self._stopping = threading.Event()
        self._failed_flushes = 0

    @property
    def buffering(self):
        return self._thread is not None

    def record(self, event):
        if not self.buffering:
            self._write_now(event)
            return
        with self._lock:
            self._buffer.append(event)
            if len(self._buffer) > MAX_BUFFERED:
                del self._buffer[: len(self._buffer) - MAX_BUFFERED]
                logger.error("Task history buffer full: dropped the oldest events.")

    def _write_now(self, event):
        try:
            with transaction.atomic():
                events_write([event])
        except Exception:
            logger.warning(
                "Could not record %s of task %s; carrying on.", event.status, event.message_id, exc_info=True
            )

    def start(self, *, queues, threads):
        """Switch to buffered writes and start the writer thread (one per worker process)."""
        self.stats.boot(queues=queues, threads=threads)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="dashboard-recorder", daemon=True)
        self._thread.start()

    def stop(self, timeout=10.0):
        """Write what is left, remove the heartbeat, and return to direct writes."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        thread.join(timeout)
        if thread.is_alive():
            logger.warning("The task history writer did not finish within %s s.", timeout)
        self._thread = None

    def _run(self):
        next_beat = 0.0
        try:
            while not self._stopping.wait(conf.FLUSH_SECONDS):
                self.flush()
                if time.monotonic() >= next_beat:
                    self.beat()
                    next_beat = time.monotonic() + conf.HEARTBEAT_SECONDS
            self.flush(final=True)
            self._quietly(heartbeat_remove, self.stats)
        finally:
            connection.close()

    def flush(self, final=False):
        with self._lock:
            events, self._buffer = self._buffer, []
        stats = self.stats
        events += [
            started(attempt.message, at=attempt.started_at, host=stats.host, pid=stats.pid)
            for attempt in stats.unreported()
        ]
        if not events:
            return
        try:
            events_write(events)
            self._failed_flushes = 0
        except Exception:
            self._failed_flushes += 1
            connection.close()
            if final or self._failed_flushes >= MAX_FLUSH_ATTEMPTS:
                logger.error("Could not record %d task events; dropping them.", len(events), exc_info=True)
                self._failed_flushes = 0
                return
            logger.warning("Could not record %d task events; will try again.", len(events), exc_info=True)
            with self._lock:
                self._buffer[:0] = events

    def beat(self):
        self._quietly(heartbeat_write, self.stats)
        self._quietly(workers_silent_drop)

    @staticmethod
    def _quietly(function, *args):
        try:
            function(*args)
        except Exception:
            logger.warning("%s failed; carrying on.", function.__name__, exc_info=True)
            connection.close()
