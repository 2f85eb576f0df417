"""djangobin's RabbitMQ broker: several node URLs, and quorum queues when RABBITMQ_QUEUE_TYPE=quorum.

Dramatiq's RabbitmqBroker declares classic queues only, and a classic queue lives on one node of a cluster. This
subclass declares `Q`, `Q.DQ` and `Q.XQ` as quorum queues instead (replicated on a majority of nodes):

- dead-lettering from `Q` and `Q.DQ` to `Q.XQ` is at-least-once (`x-dead-letter-strategy`, which needs
  `x-overflow: reject-publish`), and `Q.XQ` keeps dramatiq's 7-day message TTL;
- `Q` has `x-delivery-limit`, so a message that kills its worker again and again ends in `Q.XQ`; `Q.DQ` has none,
  because workers hold delayed messages unacked until they are due and every worker restart returns them;
- no `x-max-priority` (quorum queues refuse it before RabbitMQ 4).

Delayed messages sit unacked in a worker for their whole delay, and RabbitMQ closes a channel that holds a message
longer than its `consumer_timeout`. So every delay is capped below that timeout at send time: a retry backoff is
shortened to the cap, any other longer delay is refused (DelayTooLong).

A queue is declared with one type and one set of arguments for good: declaring it otherwise fails with
PRECONDITION_FAILED, which this broker turns into QueueMismatch, naming the queue and the command that moves
its messages into a queue declared as the settings say (`manage.py rabbitmq_queues_redeclare`).
"""

from __future__ import annotations

import logging
import threading

import pika.exceptions
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, _RabbitmqConsumer
from dramatiq.brokers.rabbitmq import RabbitmqBroker as DramatiqRabbitmqBroker
from dramatiq.common import dq_name, xq_name
from dramatiq.errors import BrokerError, ConnectionClosed
from dramatiq.message import Message

from . import amqp

logger = logging.getLogger(__name__)

CLASSIC = "classic"
QUORUM = "quorum"
QUEUE_TYPES = (CLASSIC, QUORUM)
REDECLARE_COMMAND = "python manage.py rabbitmq_queues_redeclare --old-publishers-stopped"


class QueueMismatch(BrokerError):
    """A queue exists in RabbitMQ with another type or other arguments than the settings declare."""


class DelayTooLong(BrokerError, ValueError):
    """A message was sent with a delay a worker could not hold within RabbitMQ's consumer timeout."""


def max_delay_for(consumer_timeout_ms: int) -> int:
    """The longest delay a worker may hold a message for: a tenth below RabbitMQ's consumer timeout."""
    return consumer_timeout_ms - max(consumer_timeout_ms // 10, 1000)


class BatchedAckConsumer(_RabbitmqConsumer):
    """Dramatiq's consumer, with the acks worker threads make while its thread is busy sent together.

    Dramatiq hands each ack to the consumer's thread as a callback of its own, which writes the frame and polls the
    socket until it is sent, while the worker threads wait for the GIL. Here the first waiting ack schedules one
    callback, and that callback writes every ack that arrived meanwhile, then flushes once. Each message is still
    acked on its own (never `multiple`), so the order of acks and nacks does not matter.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._waiting_acks = []
        self._waiting_acks_lock = threading.Lock()

    def ack(self, message):
        try:
            self.known_tags.remove(message._tag)
        except KeyError:
            logger.warning("Failed to ack message %s: not in known tags.", message.message_id)
            return
        with self._waiting_acks_lock:
            first = not self._waiting_acks
            self._waiting_acks.append(message._tag)
        if first:
            try:
                self.connection.add_callback_threadsafe(self._send_acks)
            except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError) as error:
                with self._waiting_acks_lock:  # the connection is gone, and RabbitMQ redelivers what it held
                    self._waiting_acks.clear()
                raise ConnectionClosed(error) from None

    def _send_acks(self):
        """In the consumer's thread: write every waiting ack, then flush the connection once."""
        with self._waiting_acks_lock:
            tags, self._waiting_acks = self._waiting_acks, []
        if not tags:
            return
        for tag in tags[:-1]:
            self.channel._impl.basic_ack(delivery_tag=tag)  # buffered; the last ack below flushes them all
        self.channel.basic_ack(delivery_tag=tags[-1])


class RabbitmqBroker(DramatiqRabbitmqBroker):
    """Dramatiq's RabbitmqBroker with a choice of queue type, a delivery limit and a cap on delays (see module)."""

    def __init__(
        self,
        *,
        queue_type: str = CLASSIC,
        delivery_limit: int = 20,
        consumer_timeout_ms: int = 1_800_000,
        **kwargs,
    ):
        if queue_type not in QUEUE_TYPES:
            raise ValueError(f"queue_type must be one of {QUEUE_TYPES}, not {queue_type!r}.")
        if kwargs.get("max_priority") and queue_type == QUORUM:
            raise ValueError("quorum queues refuse x-max-priority: leave max_priority unset.")
        super().__init__(**kwargs)
        self.queue_type = queue_type
        self.delivery_limit = delivery_limit
        self.max_delay_ms = max_delay_for(consumer_timeout_ms)

    @property
    def consumer_class(self):
        return BatchedAckConsumer

    def queue_declarations(self, queue_name: str) -> list[tuple[str, dict]]:
        """(name, arguments) of `queue_name`, its delay queue and its dead-letter queue, as declared here."""
        if self.queue_type == CLASSIC:
            arguments = self._build_queue_arguments(queue_name)
            return [
                (queue_name, arguments),
                (dq_name(queue_name), arguments),
                (xq_name(queue_name), {"x-message-ttl": DEAD_MESSAGE_TTL}),
            ]
        dead_lettered = {
            "x-queue-type": QUORUM,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": xq_name(queue_name),
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        return [
            (queue_name, {**dead_lettered, "x-delivery-limit": self.delivery_limit}),
            (dq_name(queue_name), dead_lettered),
            (xq_name(queue_name), {"x-queue-type": QUORUM, "x-message-ttl": DEAD_MESSAGE_TTL}),
        ]

    def _declare_queue(self, queue_name):
        return self._declare(*self.queue_declarations(queue_name)[0])

    def _declare_dq_queue(self, queue_name):
        return self._declare(*self.queue_declarations(queue_name)[1])

    def _declare_xq_queue(self, queue_name):
        return self._declare(*self.queue_declarations(queue_name)[2])

    def _declare(self, name, arguments):
        try:
            return self.channel.queue_declare(queue=name, durable=True, arguments=arguments)
        except pika.exceptions.ChannelClosedByBroker as error:
            if error.reply_code != amqp.PRECONDITION_FAILED:  # the queue exists, declared otherwise
                raise
            del self.channel
            raise QueueMismatch(
                f"RabbitMQ's queue {name!r} exists with another type or other arguments than these settings declare "
                f"(RABBITMQ_QUEUE_TYPE={self.queue_type}, RABBITMQ_DELIVERY_LIMIT={self.delivery_limit}); "
                f"RabbitMQ says: {error.reply_text}. A queue cannot change in place: restart the web processes and "
                f"the scheduler with these settings, stop the workers, and run `{REDECLARE_COMMAND}`, which moves its "
                "messages into a queue declared as the settings say."
            ) from None

    def queues_check(self) -> None:
        """Declare every queue this broker knows now, so that a QueueMismatch stops a worker at start-up."""
        for queue_name in sorted(self.get_declared_queues()):
            self.declare_queue(queue_name, ensure=True)

    def enqueue(self, message: Message, *, delay: int | None = None) -> Message:
        if delay is not None and delay > self.max_delay_ms:
            if "retries" not in message.options:
                raise DelayTooLong(
                    f"A delay of {delay} ms is longer than a worker may hold a message ({self.max_delay_ms} ms, "
                    "below RABBITMQ_CONSUMER_TIMEOUT_MS): send it later instead, or raise RabbitMQ's "
                    "consumer_timeout and that setting together."
                )
            logger.debug("Retry backoff of %s shortened to %d ms.", message.message_id, self.max_delay_ms)
            delay = self.max_delay_ms
        return super().enqueue(message, delay=delay)
