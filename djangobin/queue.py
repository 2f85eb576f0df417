"""Hand work to Dramatiq once the current transaction has committed, never before, and never lose it."""

from delivery import outbox


def enqueue_on_commit(actor_path, *args):
    """Send `actor_path` (a dotted path under actors/) its JSON-primitive `args` after commit.

    The message is stored in the current transaction (delivery.outbox): a rolled-back transaction sends
    nothing, a worker never sees an id before its row exists, and a message RabbitMQ cannot take right now
    is published by the outbox relay as soon as it answers again. The actor is imported at call time, so
    that nothing imports actors at start-up.
    """
    return outbox.enqueue_on_commit(actor_path, *args)
