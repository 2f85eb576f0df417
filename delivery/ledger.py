"""The delivery ledger: an actor decorated with `once_per_message` does its work once per message id.

RabbitMQ delivers at least once: a worker killed after the SMTP server accepted a mail but before the ack
gets that message again. The ledger is checked before the work and written right after it, so a
redelivery is skipped; only a crash between the work and the ledger write (milliseconds) can still
repeat it.
"""

import logging
from functools import wraps

from django.db import DatabaseError, IntegrityError
from dramatiq.middleware import CurrentMessage

from delivery.models import DeliveredMessage

logger = logging.getLogger(__name__)


def once_per_message(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        message = CurrentMessage.get_current_message()
        if message is None:  # called directly, not by a worker
            return fn(*args, **kwargs)
        if DeliveredMessage.objects.filter(message_id=message.message_id).exists():
            logger.info(
                "Message %s (%s) was delivered already: this redelivery is skipped.",
                message.message_id,
                message.actor_name,
            )
            return None
        result = fn(*args, **kwargs)
        try:
            DeliveredMessage.objects.create(message_id=message.message_id, actor_name=message.actor_name)
        except IntegrityError:
            pass
        except DatabaseError:
            # The work is done: failing now would retry it and deliver it twice.
            logger.exception("Message %s was delivered but could not be recorded as such.", message.message_id)
        return result

    return wrapper


def delivered_prune(*, older_than):
    """Forget deliveries recorded before `older_than`; returns how many."""
    deleted, _ = DeliveredMessage.objects.filter(delivered_at__lt=older_than).delete()
    if deleted:
        logger.info("Pruned %d delivered-message record(s).", deleted)
    return deleted
