"""Hand work to Dramatiq once the current transaction has committed, never before."""

import logging

from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def enqueue_on_commit(actor_path, *args):
    """Send `actor_path` (a dotted path under actors/) its JSON-primitive `args` after commit.

    A rolled-back transaction sends nothing, and a worker never sees an id before its row exists.
    The actor is imported here, at send time, so that nothing imports actors at start-up.
    """

    def send():
        actor = import_string(actor_path)
        message = actor.send(*args)
        logger.info("Enqueued %s%r as message %s.", actor.actor_name, args, message.message_id)

    transaction.on_commit(send)
