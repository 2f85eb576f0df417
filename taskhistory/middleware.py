"""The Dramatiq middleware that records each message's life (task history), on the sending and working side.

List it before `Retries` in DRAMATIQ_BROKER["MIDDLEWARE"]: "after" hooks run in reverse order, so it then sees
whether Retries failed the message for good or scheduled another attempt. A hook never raises: recording
problems are logged and the message goes on as if the dashboard did not exist.
"""

import functools
import logging
import threading

import dramatiq
from django.utils import timezone
from dramatiq.middleware import Middleware

from . import events
from .control import skipped_as

logger = logging.getLogger(__name__)


def _never_raises(hook):
    @functools.wraps(hook)
    def wrapper(self, broker, *args, **kwargs):
        try:
            hook(self, broker, *args, **kwargs)
        except Exception:
            logger.warning("Task history: %s failed; the message is unaffected.", hook.__name__, exc_info=True)

    return wrapper


def history_flush(broker=None) -> None:
    """Write the task events this process has recorded so far, e.g. the message a dashboard action just sent."""
    for middleware in (broker or dramatiq.get_broker()).middleware:
        if isinstance(middleware, TaskHistory):
            middleware.flush()


class TaskHistory(Middleware):
    def __init__(self):
        self._recorder = None
        self._sending = threading.local()  # when this thread's current send began (before_enqueue)

    @property
    def recorder(self):
        # Built on first use: the broker (and this middleware) exist before Django's models are ready.
        if self._recorder is None:
            from .recorder import Recorder

            self._recorder = Recorder()
        return self._recorder

    def flush(self):
        """Write what this middleware's recorder holds; nothing to do if it never recorded anything."""
        if self._recorder is not None:
            self._recorder.flush()

    @property
    def _worker(self):
        stats = self.recorder.stats
        return {"host": stats.host, "pid": stats.pid}

    @_never_raises
    def before_worker_boot(self, broker, worker):
        queues = worker.consumer_whitelist or broker.get_declared_queues()
        self.recorder.start(queues=queues, threads=worker.worker_threads)

    @_never_raises
    def after_worker_shutdown(self, broker, worker):
        self.recorder.stop()

    @_never_raises
    def before_enqueue(self, broker, message, delay):
        self._sending.at = timezone.now()

    @_never_raises
    def after_enqueue(self, broker, message, delay):
        at = timezone.now()
        sent_at, self._sending.at = getattr(self._sending, "at", None), None
        self.recorder.record(events.enqueued(message, delay, at=at, sent_at=sent_at))

    @_never_raises
    def before_process_message(self, broker, message):
        attempt = self.recorder.stats.started(message, int(message.options.get("retries") or 0))
        # A worker's writer thread records "running" only for attempts still running when it flushes: most
        # finish first, and their one "finished" event carries the start time.
        if not self.recorder.in_worker:
            self.recorder.record(events.started(message, at=attempt.started_at, **self._worker))

    @_never_raises
    def after_process_message(self, broker, message, *, result=None, exception=None):
        attempt = self.recorder.stats.finished(message.message_id, failed=exception is not None)
        if attempt is None:  # started before this middleware saw it: the best guess is the message's count
            retries, started_at, runtime_ms = int(message.options.get("retries") or 0), None, None
        else:
            retries, started_at, runtime_ms = attempt.retries, attempt.started_at, attempt.runtime_ms()
        event = events.finished(
            message,
            retries=retries,
            started_at=started_at,
            at=timezone.now(),
            runtime_ms=runtime_ms,
            exception=exception,
            **self._worker,
        )
        self.recorder.record(event)

    @_never_raises
    def after_skip_message(self, broker, message):
        reason = skipped_as(message)
        if reason == "paused":
            return  # put back on its queue for later: its enqueue is recorded, and it has not run
        self.recorder.stats.finished(message.message_id, failed=reason is None)
        record = events.cancelled if reason == "cancelled" else events.skipped
        self.recorder.record(record(message, at=timezone.now(), **self._worker))

    @_never_raises
    def after_nack(self, broker, message):
        self.recorder.record(events.dead_lettered(message, at=timezone.now()))
