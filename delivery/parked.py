"""Parked outbox messages: rows the relay gave up on because they failed for a reason of their own.

They stay in the database, with their error, until someone fixes the cause (a renamed actor deployed back, a
bad row deleted in the admin) and retries them: see delivery.outbox for when a row is parked.
"""

import logging

from django.db.models import QuerySet
from django.utils import timezone

from delivery.models import OutboxMessage

logger = logging.getLogger(__name__)


class OutboxMessageNotParked(Exception):
    """The message is not (or no longer) parked: sent meanwhile, retried by someone else, or never was."""


def outbox_parked_messages() -> QuerySet[OutboxMessage]:
    """Parked rows, the most recently parked first."""
    return OutboxMessage.objects.filter(parked_at__isnull=False).order_by("-parked_at", "-pk")


def outbox_parked_count() -> int:
    return OutboxMessage.objects.filter(parked_at__isnull=False).count()


def outbox_message_retry(*, message_id: str) -> OutboxMessage:
    """Unpark one message with its failure count reset: the next relay pass publishes it (or counts again).

    Raises OutboxMessageNotParked when no parked row has that message id.
    """
    now = timezone.now()
    retried = OutboxMessage.objects.filter(message_id=message_id, parked_at__isnull=False).update(
        parked_at=None, failures=0, available_at=now
    )
    if not retried:
        raise OutboxMessageNotParked(message_id)
    logger.info("Outbox message %s was unparked for another try.", message_id)
    return OutboxMessage.objects.get(message_id=message_id)
