"""Re-create RabbitMQ queues as the settings declare them, moving their messages: classic to quorum (or back), or a
new delivery limit. A queue's type and arguments are fixed when it is declared, so a queue cannot change in place.

For each of `Q`, `Q.DQ` and `Q.XQ` that exists declared otherwise: its messages move to a temporary queue
`<name>.moving`, the old queue is deleted (only if empty, so nothing published meanwhile is lost), the queue is
declared anew, and the messages move back. Every message is published with publisher confirms and acked in its
old queue only once RabbitMQ confirmed the copy, so a crash repeats a message (same message id, which the delivery
ledger recognises) but never loses one; running the command again finishes an interrupted move.

Publishers (web processes, the scheduler) may keep running while a classic queue is re-created (the switch to
quorum): RabbitMQ deletes a classic queue only if empty, in one step, so a message published while its queue is
being emptied is moved on the next round, never lost. A quorum queue cannot be deleted "only if empty": it is
counted, then deleted, and a message published in between would be lost. So a quorum queue is re-created (back to
classic, or a new delivery limit) only when the caller says every publisher is stopped (`publishers_stopped`).
A RabbitMQ policy cannot close that gap: `max-length 0` with `reject-publish` drops a classic queue's messages
when it is applied, and a quorum queue under it still takes one message whenever it is empty.
"""

from __future__ import annotations

import logging

import pika.exceptions

from . import amqp

logger = logging.getLogger(__name__)

MOVING_SUFFIX = ".moving"
REDECLARE_ATTEMPTS = 3


class QueueInUse(Exception):
    """A queue to be re-created still has consumers: its workers must be stopped first."""


class PublishersRunning(Exception):
    """A quorum queue is to be re-created, and the caller did not say that every publisher is stopped."""


def _passive(connection, name):
    """(messages, consumers) of queue `name`, or (None, None) when it does not exist."""
    channel, messages, consumers = amqp.queue_passive(connection, name)
    channel.close()
    return messages, consumers


def _declared_as(connection, name, arguments):
    """True if `name` is declared (now, or already) with exactly `arguments`; False if it exists declared otherwise."""
    channel = connection.channel()
    try:
        channel.queue_declare(queue=name, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != amqp.PRECONDITION_FAILED:
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


def _delete_if_empty(parameters, name) -> bool | None:
    """Delete `name` if it holds no message: True if deleted, False if not empty, None for a quorum queue.

    Quorum queues refuse the if-empty delete (and close the connection for it), so it is tried on a connection of
    its own.
    """
    probe = amqp.connect(parameters)
    try:
        probe.channel().queue_delete(queue=name, if_empty=True)
        return True
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != amqp.PRECONDITION_FAILED:
            raise
        return False
    except pika.exceptions.ConnectionClosedByBroker as error:
        if error.reply_code != amqp.NOT_IMPLEMENTED:
            raise
        return None
    finally:
        if probe.is_open:
            probe.close()


def _empty_and_delete(connection, parameters, name, moving, *, publishers_stopped) -> int:
    """Move `name`'s messages to `moving` until `name` can be deleted empty; how many moved."""
    moved = 0
    while True:
        deleted = _delete_if_empty(parameters, name)
        if deleted:
            return moved
        if deleted is None and not publishers_stopped:
            raise PublishersRunning(
                f"Queue {name!r} is a quorum queue, which RabbitMQ cannot delete only if empty: a message published "
                "between its last count and its deletion would be lost. Stop the web processes and the scheduler "
                "too, then run this again with --publishers-stopped."
            )
        connection.channel().queue_declare(queue=moving, durable=True)
        moved += _move(connection, name, moving)
        if deleted is None and not _passive(connection, name)[0]:
            connection.channel().queue_delete(queue=name)  # nobody publishes: the count stays true
            return moved


def queue_redeclare(
    *, connection, parameters, name: str, arguments: dict, publishers_stopped: bool = False
) -> int | None:
    """Make queue `name` one declared with `arguments`, keeping its messages; how many moved (None: nothing to do).

    Raises QueueInUse while the queue has consumers, and PublishersRunning for a quorum queue unless
    `publishers_stopped` (see the module).
    """
    moving = name + MOVING_SUFFIX
    moved = None
    # A publisher with the old settings may declare the queue again, the old way, just after it was deleted: then it
    # is emptied once more.
    for _ in range(REDECLARE_ATTEMPTS):
        if _declared_as(connection, name, arguments):  # declares it when absent
            break
        consumers = _passive(connection, name)[1]
        if consumers:
            raise QueueInUse(f"Queue {name!r} has {consumers} consumer(s): stop every worker, then run this again.")
        # The temporary queue is classic, so that it can be deleted only if empty; durable, with persistent
        # messages, it survives restarts.
        emptied = _empty_and_delete(connection, parameters, name, moving, publishers_stopped=publishers_stopped)
        logger.info("Moved %d message(s) out of %s, which is deleted.", emptied, name)
        moved = (moved or 0) + emptied
    else:
        raise RuntimeError(f"Queue {name!r} could not be declared as the settings say; run this again.")
    if _passive(connection, moving)[0] is not None:
        back = _move(connection, moving, name)
        if not _delete_if_empty(parameters, moving):
            raise RuntimeError(f"Temporary queue {moving!r} took new messages while being emptied; run this again.")
        logger.info("Moved %d message(s) into %s as now declared.", back, name)
        moved = back
    return moved


def queues_redeclare(*, broker, queue_names, publishers_stopped: bool = False) -> dict[str, int | None]:
    """Re-create each queue of `queue_names` (and its .DQ and .XQ) as `broker` declares them; {name: messages moved}."""
    connection = amqp.connect(broker.parameters)
    try:
        results = {}
        for queue_name in queue_names:
            for name, arguments in broker.queue_declarations(queue_name):
                results[name] = queue_redeclare(
                    connection=connection,
                    parameters=broker.parameters,
                    name=name,
                    arguments=arguments,
                    publishers_stopped=publishers_stopped,
                )
        return results
    finally:
        if connection.is_open:
            connection.close()
