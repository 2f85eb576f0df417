"""Getting task events into the database without slowing down or breaking the work they describe.

Every process buffers its events, and one background thread of its own writes them every FLUSH_SECONDS in
one transaction: no database work ever happens in the thread that sends or runs a message (in a web process
that is the outbox's publishing thread, whose confirm a request is waiting for). In a worker process the same
thread writes the process's heartbeat. At exit the buffer is written; a process killed with SIGKILL loses its
last half second. A failed write is logged and retried a few times, then dropped: losing a history row is
better than losing a message.

`flush()` writes the buffer at once and returns when it is in the database: the dashboard's own actions use it
so that the task they just sent is there when they show it.

Tests set TASKHISTORY_IMMEDIATE (settings_test.py): outside worker processes each event is then written
in the thread that records it, inside the test's transaction.
"""

import atexit
import logging
import os
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
        self.in_worker = False
        self._buffer = []
        self._lock = threading.Lock()  # guards the buffer
        self._writing = threading.Lock()  # one write at a time, so that flush() returns once all is written
        self._thread = None
        self._pid = None
        self._stopping = threading.Event()
        self._failed_flushes = 0
        self._exit_hook = False

    def record(self, event):
        if not self.in_worker and conf.immediate_writes():
            self._write_now(event)
            return
        self._ensure_writer()
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
        finally:
            # A helper thread (the outbox's publisher, say) keeps no connection open that nothing would close.
            if threading.current_thread() is not threading.main_thread() and not connection.in_atomic_block:
                connection.close()

    def _ensure_writer(self):
        """Start the writer thread on first use, and again in a process forked from one that had it."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="taskhistory-recorder", daemon=True)
            self._thread.start()
            if not self._exit_hook:
                atexit.register(self._at_exit)
                self._exit_hook = True

    def start(self, *, queues, threads):
        """A worker process booted: count its messages and write its heartbeat too."""
        self.stats.boot(queues=queues, threads=threads)
        self.in_worker = True
        self._ensure_writer()

    def stop(self, timeout=10.0):
        """Write what is left (and, in a worker, remove the heartbeat), then end the writer thread."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        thread.join(timeout)
        if thread.is_alive():
            logger.warning("The task history writer did not finish within %s s.", timeout)
        self._thread = None
        self.in_worker = False

    def _at_exit(self):
        if self._thread is not None and self._pid == os.getpid():
            self.stop(timeout=5.0)

    def _run(self):
        next_beat = 0.0
        try:
            while not self._stopping.wait(conf.FLUSH_SECONDS):
                self.flush()
                if self.in_worker and time.monotonic() >= next_beat:
                    self.beat()
                    next_beat = time.monotonic() + conf.HEARTBEAT_SECONDS
            self.flush(final=True)
            if self.in_worker:
                self._quietly(heartbeat_remove, self.stats)
        finally:
            connection.close()

    def flush(self, final=False):
        """Write every event recorded so far; returns once they are in the database (or given up on)."""
        with self._writing:
            with self._lock:
                events, self._buffer = self._buffer, []
            stats = self.stats
            events += [
                started(attempt.message, at=attempt.started_at, host=stats.host, pid=stats.pid)
                for attempt in stats.unreported()
            ]
            if events:
                self._write(events, final)

    def _write(self, events, final):
        try:
            events_write(events)
            self._failed_flushes = 0
        except Exception:
            self._failed_flushes += 1
            if not connection.in_atomic_block:
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
