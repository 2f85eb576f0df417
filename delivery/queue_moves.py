"""Re-create RabbitMQ queues as the settings declare them, moving their messages: classic to quorum (or back), or a
new delivery limit. A queue's type and arguments are fixed when it is declared, so a queue cannot change in place.

For each of `Q`, `Q.DQ` and `Q.XQ` that exists declared otherwise: its messages move to a temporary queue
`<name>.moving`, the old queue is deleted (only if empty, so nothing published meanwhile is lost), the queue is
declared anew, and the messages move back. Every message is published with publisher confirms and acked in its
old queue only once RabbitMQ confirmed the copy, so a crash repeats a message (same message id, which the delivery
ledger recognises) but never loses one; running the command again finishes an interrupted move.

Processes with the old settings (web processes, the scheduler) must be stopped first, whatever the queue's type, and
the caller says so (`old_publishers_stopped`): a queue cannot be deleted safely while they publish to it. RabbitMQ
routes a message to a queue by name in the publisher's channel, then hands it to the queue; a queue deleted in between
(even "only if empty", which a classic queue does in one step) takes the message with it, and the publisher is still
sent a confirm, because a deleted queue ended normally (docs/reliability.md, section 14, has the runs that lost mail
so). A RabbitMQ policy (`max-length 0`, `reject-publish`) does not
close that window either: applied to a classic queue it drops the messages already in it, and a quorum queue under it
still takes one message whenever it is empty. Processes with the new settings may keep running: they publish only once
all three of a queue's declarations succeeded as the settings say, and the command never deletes such a queue, so
until it has run what they send waits in the outbox.
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


class OldPublishersRunning(Exception):
    """A queue is to be re-created, and the caller did not say that every publisher with the old settings is stopped."""


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


def _empty_and_delete(connection, parameters, name, moving) -> int:
    """Move `name`'s messages to `moving` until `name` can be deleted empty; how many moved."""
    moved = 0
    while True:
        deleted = _delete_if_empty(parameters, name)
        if deleted:
            return moved
        connection.channel().queue_declare(queue=moving, durable=True)
        moved += _move(connection, name, moving)
        if deleted is None and not _passive(connection, name)[0]:
            connection.channel().queue_delete(queue=name)  # nobody publishes: the count stays true
            return moved


def queue_redeclare(
    *, connection, parameters, name: str, arguments: dict, old_publishers_stopped: bool = False
) -> int | None:
    """Make queue `name` one declared with `arguments`, keeping its messages; how many moved (None: nothing to do).

    Raises QueueInUse while the queue has consumers, and OldPublishersRunning unless `old_publishers_stopped` (see the
    module), both before anything is moved.
    """
    moving = name + MOVING_SUFFIX
    moved = None
    # A process with the old settings that still runs may declare the queue again, the old way, just after it was
    # deleted: then it is emptied once more.
    for _ in range(REDECLARE_ATTEMPTS):
        if _declared_as(connection, name, arguments):  # declares it when absent
            break
        consumers = _passive(connection, name)[1]
        if consumers:
            raise QueueInUse(f"Queue {name!r} has {consumers} consumer(s): stop every worker, then run this again.")
        if not old_publishers_stopped:
            raise OldPublishersRunning(
                f"Queue {name!r} is to be re-created, and a message published to it while it is deleted would be lost. "
                "Stop every web process and the scheduler that still runs with the old settings (those with the new "
                "settings may keep running: what they send waits in the outbox), then run this again with "
                "--old-publishers-stopped."
            )
        # The temporary queue is classic, so that it can be deleted only if empty; durable, with persistent
        # messages, it survives restarts.
        emptied = _empty_and_delete(connection, parameters, name, moving)
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


def queues_redeclare(*, broker, queue_names, old_publishers_stopped: bool = False) -> dict[str, int | None]:
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
                    old_publishers_stopped=old_publishers_stopped,
                )
        return results
    finally:
        if connection.is_open:
            connection.close()
