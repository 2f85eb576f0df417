"""Operators steering workers: cancelled messages are skipped, paused queues are not consumed.

The dashboard writes the wishes as rows (CancelledMessage, PausedQueue). Every worker process reads them
from a thread of its own every CONTROL_SECONDS, so a wish reaches all worker processes on all machines
within about a second, through the database they already share; no message carries it.

- Cancel: a worker that is about to run a cancelled message skips it (dramatiq's SkipMessage: acked, so it
  leaves RabbitMQ), and task history records it as cancelled. A delayed message is checked when it comes due.
  A message a worker started before the wish reached it runs.
- Pause: the worker pauses its consumer of that queue (dramatiq's ConsumerThread.pause, which takes effect
  the next time the queue is idle), and a message of a paused queue that still reaches a worker thread is
  put back on its queue PAUSE_RECHECK_MS later instead of running, so no work of a paused queue starts.
  The delay queue keeps being consumed, so delayed messages land back on their (paused) queue when due.
"""

import logging
import threading

from django.db import connection
from django.utils import timezone
from dramatiq.common import dq_name, q_name
from dramatiq.middleware import Middleware, SkipMessage

logger = logging.getLogger(__name__)

CONTROL_SECONDS = 1.0
PAUSE_RECHECK_MS = 5_000
SKIPPED_AS = "djangobin_skipped_as"  # set on a message proxy a worker skipped on an operator's wish


# The models are imported where used: the broker, and this middleware with it, exist before Django's apps are.


def message_cancel(*, message_id: str) -> bool:
    """Ask every worker to skip this message; False if it was cancelled already."""
    from .models import CancelledMessage

    _, created = CancelledMessage.objects.get_or_create(
        message_id=message_id, defaults={"cancelled_at": timezone.now()}
    )
    return created


def queue_pause(*, queue_name: str) -> bool:
    """Ask every worker to stop consuming `queue_name`; False if it was paused already."""
    from .models import PausedQueue

    _, created = PausedQueue.objects.get_or_create(queue_name=queue_name, defaults={"paused_at": timezone.now()})
    return created


def queue_resume(*, queue_name: str) -> bool:
    """Let workers consume `queue_name` again; False if it was not paused."""
    from .models import PausedQueue

    return PausedQueue.objects.filter(queue_name=queue_name).delete()[0] > 0


def paused_queues() -> set[str]:
    from .models import PausedQueue

    return set(PausedQueue.objects.values_list("queue_name", flat=True))


def skipped_as(message) -> str | None:
    """ "cancelled" or "paused" when WorkerControl skipped this message, else None."""
    return getattr(message, SKIPPED_AS, None)


class WorkerControl(Middleware):
    """Applies the operators' cancel and pause wishes in a worker process (list it before TaskHistory)."""

    def __init__(self):
        self.cancelled = set()
        self.paused = set()
        self._last_cancel_id = 0
        self._worker = None
        self._stopping = threading.Event()
        self._thread = None

    def before_worker_boot(self, broker, worker):
        # Read the wishes before any worker thread takes a message; the thread keeps them current afterwards.
        self._worker = worker
        self._poll_quietly()

    def after_worker_boot(self, broker, worker):
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="djangobin-worker-control", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker, worker):
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(CONTROL_SECONDS * 5)

    def _run(self):
        try:
            while not self._stopping.wait(CONTROL_SECONDS):
                self._poll_quietly()
        finally:
            connection.close()

    def _poll_quietly(self):
        try:
            self.poll()
        except Exception:
            logger.warning("Reading the operators' cancel and pause wishes failed; retrying.", exc_info=True)
            connection.close()

    def poll(self):
        """Read new cancellations and the paused queues, and pause or resume this worker's consumers."""
        from .models import CancelledMessage

        new = CancelledMessage.objects.filter(pk__gt=self._last_cancel_id).order_by("pk")
        for pk, message_id in new.values_list("pk", "message_id"):
            self.cancelled.add(message_id)
            self._last_cancel_id = pk
        self.paused = paused_queues()
        for name, consumer in list(getattr(self._worker, "consumers", {}).items()):
            if name == dq_name(q_name(name)):
                continue  # delay queues keep going: their messages come back to a paused queue when due
            if name in self.paused and not consumer.paused:
                consumer.pause()
                logger.info("Paused consuming %s (an operator's wish).", name)
            elif name not in self.paused and consumer.paused:
                consumer.resume()
                logger.info("Resumed consuming %s.", name)

    def before_process_message(self, broker, message):
        if message.message_id in self.cancelled:
            setattr(message, SKIPPED_AS, "cancelled")
            raise SkipMessage("Cancelled by an operator.")
        if q_name(message.queue_name) in self.paused:
            options = {key: value for key, value in message.options.items() if key != "eta"}
            broker.enqueue(message.copy(queue_name=q_name(message.queue_name), options=options), delay=PAUSE_RECHECK_MS)
            setattr(message, SKIPPED_AS, "paused")
            raise SkipMessage("Its queue is paused; put back for later.")
