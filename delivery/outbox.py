"""The transactional outbox: a message is stored with the data it is about, then published after commit.

When RabbitMQ takes the message (with publisher confirms) the row is deleted, so the normal path is still a
direct publish after commit (made by one publishing thread per process, see _Publisher). When RabbitMQ is
down the request succeeds all the same and the row stays; the relay (delivery.relay, a thread in every
worker process) publishes it as soon as RabbitMQ answers again.
The stored message id is reused by every publish of a row, so a republish after an unconfirmed send is a
duplicate the delivery ledger recognises.

Two kinds of failure are kept apart. RabbitMQ taking no message at all (a connection error, a publish it refused,
or a queue it holds declared otherwise than the settings while RABBITMQ_QUEUE_TYPE is being switched): the relay
stops its pass and backs off, and nothing counts against the rows. A row that cannot be sent whatever RabbitMQ
does (its actor was renamed away in a deploy, an argument no middleware accepts): the relay notes the error on
that row, goes on with the rows behind it, and after PARK_AFTER_FAILURES such failures parks the row (logged once
at ERROR, shown on the dashboard, see delivery.parked) instead of letting it block the line forever.
"""

import logging
import os
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

import dramatiq
import pika.exceptions
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from delivery.broker import QueueMismatch
from delivery.models import OutboxMessage

logger = logging.getLogger(__name__)

# The writer owns a fresh row this long (it publishes right after commit); then the relay may claim it.
# A claim holds a row as long. Both are far above the time one bounded publish attempt can take.
LEASE = timedelta(seconds=30)
# After a failed direct publish, a process leaves publishing to the relay this long instead of making
# every request wait for a broker that is down.
DIRECT_PAUSE_SECONDS = 10.0
# How soon the relay may try a row again after its publish failed.
RETRY_DELAY = timedelta(seconds=2)
# A row that failed this many times for a reason of its own is parked rather than tried again.
PARK_AFTER_FAILURES = 5
# The longest a request waits for RabbitMQ's confirm before leaving its message to the relay.
PUBLISH_WAIT = 5.0
# How often the publishing thread answers RabbitMQ's heartbeats while it has nothing to publish.
KEEPALIVE_SECONDS = 20.0

_direct_paused_until = 0.0


def outbox_add(*, actor_path, args):
    """Store a message for `actor_path` in the current transaction; it is published once that commits."""
    actor = import_string(actor_path)
    message = actor.message(*args)
    now = timezone.now()
    return OutboxMessage.objects.create(
        message_id=message.message_id,
        actor_path=actor_path,
        queue_name=message.queue_name,
        actor_name=message.actor_name,
        args=list(message.args),
        message_timestamp=message.message_timestamp,
        created_at=now,
        available_at=now + LEASE,
    )


def _message(row):
    return dramatiq.Message(
        queue_name=row.queue_name,
        actor_name=row.actor_name,
        args=tuple(row.args),
        kwargs={},
        options={},
        message_id=row.message_id,
        message_timestamp=row.message_timestamp,
    )


def _send(row):
    """Publish `row`'s message with publisher confirms (AMQP only: no database work); raises if not taken."""
    actor = import_string(row.actor_path)  # declares the actor (and its queue) on this process's broker
    actor.broker.enqueue(_message(row))


def _sent(row):
    OutboxMessage.objects.filter(pk=row.pk).delete()
    # Arguments may be addresses (reset and activation mail): the log keeps to the actor and the message id.
    logger.info("Enqueued %s as message %s.", row.actor_name, row.message_id)


def broker_wide(error: BaseException) -> bool:
    """Whether `error` is RabbitMQ's state (try again later) rather than the message's own fault.

    Unreachable, or a publish refused (a nack, e.g. from a queue length policy), or QueueMismatch: a queue declared
    otherwise than the settings fails every message for it alike until `rabbitmq_queues_redeclare` has run.
    """
    return isinstance(
        error,
        (
            dramatiq.errors.BrokerConnectionError,
            pika.exceptions.AMQPError,
            OSError,
            TimeoutError,
            FutureTimeout,
            QueueMismatch,
        ),
    )


def _describe(error):
    return f"{type(error).__name__}: {error}"[:2000]


def _not_sent(row, error, *, retry_at):
    """RabbitMQ took nothing (see broker_wide): the row waits for it, and the attempt does not count against the row."""
    logger.warning(
        "RabbitMQ did not take message %s (%s): it stays in the outbox and is sent when RabbitMQ takes messages "
        "again. %s",
        row.message_id,
        row.actor_name,
        _describe(error),
    )
    OutboxMessage.objects.filter(pk=row.pk).update(available_at=retry_at, last_error=_describe(error))


def _unsendable(row, error):
    """The row itself failed: count it, and park it once it has failed PARK_AFTER_FAILURES times."""
    now = timezone.now()
    rows = OutboxMessage.objects.filter(pk=row.pk)
    rows.update(failures=F("failures") + 1, last_error=_describe(error), available_at=now + RETRY_DELAY)
    # A conditional UPDATE, so that the row is parked (and logged at ERROR) once, whoever failed it last.
    parked = rows.filter(failures__gte=PARK_AFTER_FAILURES, parked_at__isnull=True).update(parked_at=now) == 1
    failures = rows.values_list("failures", flat=True).first() or 0
    if parked:
        logger.error(
            "Outbox message %s (%s) cannot be sent and is parked after %d failures; retry it from the dashboard "
            "once the cause is fixed. %s",
            row.message_id,
            row.actor_name,
            failures,
            _describe(error),
        )
    else:
        logger.warning(
            "Outbox message %s (%s) could not be sent (failure %d of %d before it is parked); the relay goes on "
            "with the next messages. %s",
            row.message_id,
            row.actor_name,
            failures,
            PARK_AFTER_FAILURES,
            _describe(error),
        )


def _publish(row):
    """Publish `row` and delete it; returns "sent", "held" (RabbitMQ took nothing, see broker_wide) or "unsendable"."""
    try:
        _send(row)
    except Exception as error:
        if broker_wide(error):
            _not_sent(row, error, retry_at=timezone.now() + RETRY_DELAY)
            return "held"
        _unsendable(row, error)
        return "unsendable"
    _sent(row)
    return "sent"


class _Publisher:
    """The one thread per process that publishes the direct path's messages, over one connection.

    dramatiq keeps a RabbitMQ connection per thread, and a development server runs each request in a thread of
    its own: publishing from the request thread would leave a connection open per request. Requests hand their
    message to this thread and wait for its confirm at most PUBLISH_WAIT seconds.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None
        self._jobs = None

    def send(self, row):
        done = Future()
        self._running_jobs().put((row, done))
        return done.result(timeout=PUBLISH_WAIT)

    def _running_jobs(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid, self._jobs = os.getpid(), queue.SimpleQueue()
                self._thread = threading.Thread(target=self._run, args=(self._jobs,), name="outbox-publisher")
                self._thread.daemon = True
                self._thread.start()
            return self._jobs

    def _run(self, jobs):
        while True:
            try:
                row, done = jobs.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                self._keep_alive()
                continue
            if not done.set_running_or_notify_cancel():
                continue
            try:
                _send(row)
            except BaseException as error:
                done.set_exception(error)
            else:
                done.set_result(True)

    def _keep_alive(self):
        """Answer RabbitMQ's heartbeats on an idle connection, so the next publish does not find it dropped."""
        broker = dramatiq.get_broker()
        connection = getattr(getattr(broker, "state", None), "connection", None)
        if connection is None:
            return
        try:
            connection.process_data_events(time_limit=0)
        except Exception:
            del broker.connection  # the next publish opens a new one


_publisher = _Publisher()


def outbox_publish_after_commit(row):
    """The direct path: publish the row its request just committed, unless RabbitMQ failed a moment ago."""
    global _direct_paused_until
    if time.monotonic() < _direct_paused_until:
        OutboxMessage.objects.filter(pk=row.pk).update(available_at=timezone.now())
        logger.warning("RabbitMQ failed recently: message %s is left to the outbox relay.", row.message_id)
        return
    try:
        _publisher.send(row)
    except Exception as error:
        if not broker_wide(error):
            _unsendable(row, error)  # not RabbitMQ's fault: the next requests publish directly as usual
            return
        # Not confirmed (refused, or no answer within PUBLISH_WAIT): the relay publishes it, under the same
        # message id, so even a publish that went through late is delivered once (the delivery ledger).
        _direct_paused_until = time.monotonic() + DIRECT_PAUSE_SECONDS
        _not_sent(row, error, retry_at=timezone.now())
        return
    try:
        _sent(row)
    except DatabaseError:
        # RabbitMQ has the message but the row could not be deleted: the relay republishes it under the
        # same message id after the lease, and the delivery ledger skips it.
        logger.exception("Message %s was published but its outbox row could not be deleted.", row.message_id)


def _claim(row, now):
    """Take `row` for one publish, unless another process did first (conditional UPDATE on its version)."""
    claimed = OutboxMessage.objects.filter(pk=row.pk, attempts=row.attempts, available_at__lte=now).update(
        attempts=F("attempts") + 1, available_at=now + LEASE
    )
    return claimed == 1


def outbox_relay_once(*, limit: int = 100) -> tuple[int, bool]:
    """Publish the rows whose lease ran out, oldest first; returns (published, RabbitMQ took nothing).

    The pass stops at the first broker-wide failure (see broker_wide): RabbitMQ is down or refuses every message for
    now, and the rest waits for the next pass, uncounted. A row that fails for a reason of its own is skipped (and
    counted, then parked, see _unsendable): the rows behind it are published in the same pass. Parked rows are never
    picked.
    """
    now = timezone.now()
    published = 0
    due = OutboxMessage.objects.filter(available_at__lte=now, parked_at__isnull=True).order_by("pk")[:limit]
    for row in due:
        if not _claim(row, now):
            continue
        outcome = _publish(row)
        if outcome == "held":
            return published, True
        published += outcome == "sent"
    if published:
        logger.info("Outbox relay published %d held message(s).", published)
    return published, False


def outbox_pending_count() -> int:
    """Rows still waiting to be published (parked ones included: they are not delivered either)."""
    return OutboxMessage.objects.count()


def enqueue_on_commit(actor_path, *args):
    """Store the message in the current transaction and publish it right after commit (see the module)."""
    row = outbox_add(actor_path=actor_path, args=args)
    transaction.on_commit(lambda: outbox_publish_after_commit(row), robust=True)
    return row
