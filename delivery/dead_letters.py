"""Dead letters: messages that failed for good (a permanent error, or retries exhausted) wait in RabbitMQ's
`<queue>.XQ` for 7 days. An operator who fixed the cause puts them back with `manage.py retrymail`."""

import logging

import dramatiq
from dramatiq.brokers.rabbitmq import xq_name

logger = logging.getLogger(__name__)

# What a failed run left in a message's options; a requeued message starts afresh.
_FAILURE_OPTIONS = ("retries", "traceback", "requeue_timestamp", "eta", "redelivered")


def _fresh(message):
    options = {key: value for key, value in message.options.items() if key not in _FAILURE_OPTIONS}
    return dramatiq.Message(
        queue_name=message.queue_name.removesuffix(".DQ").removesuffix(".XQ"),
        actor_name=message.actor_name,
        args=message.args,
        kwargs=message.kwargs,
        options=options,
        message_id=message.message_id,
        message_timestamp=message.message_timestamp,
    )


def dead_letters_list(*, queue_name, broker=None):
    """The dead messages of `queue_name`, oldest first, left where they are."""
    broker = broker or dramatiq.get_broker()
    channel = broker.connection.channel()
    try:
        messages = []
        while True:
            method, _, body = channel.basic_get(xq_name(queue_name), auto_ack=False)
            if method is None:
                return messages
            messages.append(dramatiq.Message.decode(body))
    finally:
        channel.close()  # every unacked message goes back to the dead-letter queue


def dead_letters_requeue(*, queue_name, broker=None):
    """Move every dead message of `queue_name` back onto it with a fresh retry count; returns how many.

    Each is acked in the dead-letter queue only after RabbitMQ confirmed the requeued copy, so a crash in
    between repeats a message rather than losing it; it keeps its message id, so the delivery ledger still
    knows whether it was ever delivered.
    """
    broker = broker or dramatiq.get_broker()
    broker.declare_queue(queue_name, ensure=True)
    channel = broker.connection.channel()
    moved = 0
    try:
        while True:
            method, _, body = channel.basic_get(xq_name(queue_name), auto_ack=False)
            if method is None:
                break
            message = _fresh(dramatiq.Message.decode(body))
            broker.enqueue(message)
            channel.basic_ack(method.delivery_tag)
            moved += 1
            logger.info("Requeued dead message %s (%s%r).", message.message_id, message.actor_name, message.args)
    finally:
        if channel.is_open:
            channel.close()
    return moved
