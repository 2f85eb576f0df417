"""Re-create RabbitMQ queues as the settings declare them, moving their messages: classic to quorum (or back), or a
new delivery limit. A queue's type and arguments are fixed when it is declared, so a queue cannot change in place.

For each of `Q`, `Q.DQ` and `Q.XQ` that exists declared otherwise: its messages move to a temporary queue
`<name>.moving`, the old queue is deleted (only if empty, so nothing published meanwhile is lost), the queue is
declared anew, and the messages move back. Every message is published with publisher confirms and acked in its
old queue only once RabbitMQ confirmed the copy, so a crash repeats a message (same message id, which the delivery
ledger recognises) but never loses one; running the command again finishes an interrupted move.
"""

from __future__ import annotations

import logging

import pika
import pika.exceptions

logger = logging.getLogger(__name__)

MOVING_SUFFIX = ".moving"
PRECONDITION_FAILED = 406
NOT_FOUND = 404
NOT_IMPLEMENTED = 540


class QueueInUse(Exception):
    """A queue to be re-created still has consumers: its workers must be stopped first."""


def _passive(connection, name):
    """(messages, consumers) of queue `name`, or (None, None) when it does not exist."""
    channel = connection.channel()
    try:
        ok = channel.queue_declare(queue=name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != NOT_FOUND:
            raise
        return None, None
    channel.close()
    return ok.method.message_count, ok.method.consumer_count


def _declared_as(connection, name, arguments):
    """True if `name` is declared (now, or already) with exactly `arguments`; False if it exists declared otherwise."""
    channel = connection.channel()
    try:
        channel.queue_declare(queue=name, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != PRECONDITION_FAILED:
            raise
        return False
    channel.close()
    return True


def _move(connection, source, target):
    """Move every message of `source` to `target`, each acked only after RabbitMQ confirmed its copy."""
    channel = connection.channel()
    channel.confirm_delivery()
    moved = 0
    try:
        while True:
            method, properties, body = channel.basic_get(source, auto_ack=False)
            if method is None:
                return moved
            channel.basic_publish("", target, body, properties=properties, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            moved += 1
    finally:
        if channel.is_open:
            channel.close()


def _delete_when_empty(connection, parameters, name):
    """Delete `name` if it holds no message; False when a publisher put one there meanwhile.

    Quorum queues refuse the if-empty delete (and close the connection for it), so it is tried on a connection of
    its own; a quorum queue is then deleted once a count finds it empty. A message published between that count and
    the delete would be lost: stop the web processes too when a quorum queue is re-created.
    """
    probe = pika.BlockingConnection(parameters)
    try:
        probe.channel().queue_delete(queue=name, if_empty=True)
        return True
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != PRECONDITION_FAILED:
            raise
        return False
    except pika.exceptions.ConnectionClosedByBroker as error:
        if error.reply_code != NOT_IMPLEMENTED:
            raise
    finally:
        if probe.is_open:
            probe.close()
    if _passive(connection, name)[0]:
        return False
    connection.channel().queue_delete(queue=name)
    return True


def queue_redeclare(*, connection, parameters, name: str, arguments: dict) -> int | None:
    """Make queue `name` one declared with `arguments`, keeping its messages; how many moved (None: nothing to do)."""
    moving = name + MOVING_SUFFIX
    count, consumers = _passive(connection, name)
    moved = None
    if count is not None and not _declared_as(connection, name, arguments):
        if consumers:
            raise QueueInUse(f"Queue {name!r} has {consumers} consumer(s): stop every worker, then run this again.")
        # Classic, so that it can be deleted only if empty; durable, and its messages persistent, it survives restarts.
        connection.channel().queue_declare(queue=moving, durable=True)
        moved = 0
        while True:
            moved += _move(connection, name, moving)
            if _delete_when_empty(connection, parameters, name):
                break
        logger.info("Moved %d message(s) out of %s, which is deleted.", moved, name)
    if not _declared_as(connection, name, arguments):
        raise RuntimeError(f"Queue {name!r} could not be declared as the settings say; run this again.")
    if _passive(connection, moving)[0] is not None:
        back = _move(connection, moving, name)
        if not _delete_when_empty(connection, parameters, moving):
            raise RuntimeError(f"Temporary queue {moving!r} took new messages while being emptied; run this again.")
        logger.info("Moved %d message(s) into %s as now declared.", back, name)
        moved = back
    return moved


def queues_redeclare(*, broker, queue_names) -> dict[str, int | None]:
    """Re-create each queue of `queue_names` (and its .DQ and .XQ) as `broker` declares them; {name: messages moved}."""
    connection = pika.BlockingConnection(broker.parameters)
    try:
        results = {}
        for queue_name in queue_names:
            for name, arguments in broker.queue_declarations(queue_name):
                results[name] = queue_redeclare(
                    connection=connection, parameters=broker.parameters, name=name, arguments=arguments
                )
        return results
    finally:
        if connection.is_open:
            connection.close()
