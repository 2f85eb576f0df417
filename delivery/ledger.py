"""The delivery ledger: an actor decorated with `once_per_message(...)` does its work once per message id.

RabbitMQ delivers at least once: a worker killed after the SMTP server accepted a mail but before the ack
gets that message again, and the outbox may publish a message twice when a confirm was lost. Before the work
the worker claims the message id (a unique row, with a lease); after it, it marks it delivered. So:

- a redelivery of a delivered message is skipped;
- a copy arriving while another worker holds the claim is retried once the lease may have run out;
- a copy RabbitMQ redelivered (the claim's worker lost its connection: it died) or whose claim ran out takes
  the claim over at once and does the work.

Only a worker that dies between the work and its ledger write (milliseconds), or one whose work outlasts the
lease, can still repeat it; `lease_covering` gives a lease no attempt can outlast.
"""

import logging
from datetime import timedelta
from functools import wraps

import dramatiq
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone
from dramatiq.middleware import CurrentMessage

from delivery.models import DeliveredMessage

logger = logging.getLogger(__name__)


# How often dramatiq's TimeLimit middleware looks for attempts over their limit (its default interval).
_TIME_LIMIT_CHECK_SECONDS = 1
# The ledger's own write after the work: it may wait for SQLite's write lock (a 20-second busy timeout).
_RECORD_SECONDS = 30
_CLAIM_COLUMNS = ("message_id", "actor_name", "claimed_until")


class _Skip(Exception):
    pass


def lease_covering(*, time_limit_ms: int, blocking_call_timeout: float) -> float:
    """Seconds of lease that outlast any attempt of an actor with `time_limit_ms` whose blocking calls (e.g. each
    SMTP command) give up after `blocking_call_timeout` seconds.

    The time limit raises in the worker thread only between bytecodes: a call blocked in a socket runs to its own
    timeout first, and the attempt then still writes its ledger record.
    """
    return time_limit_ms / 1000 + _TIME_LIMIT_CHECK_SECONDS + blocking_call_timeout + _RECORD_SECONDS


def _claim_new(message, until):
    """Insert the claim in one statement; False if the message id has a row already (delivered, or claimed)."""
    table = DeliveredMessage._meta
    columns = ", ".join(connection.ops.quote_name(table.get_field(name).column) for name in _CLAIM_COLUMNS)
    unique = connection.ops.quote_name(table.get_field("message_id").column)
    table_name = connection.ops.quote_name(table.db_table)
    # Names come from the model, values go as parameters.
    sql = f"INSERT INTO {table_name} ({columns}) VALUES (%s, %s, %s) ON CONFLICT ({unique}) DO NOTHING RETURNING 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [message.message_id, message.actor_name, connection.ops.adapt_datetimefield_value(until)])
        return cursor.fetchone() is not None


def _claim(message, lease):
    """Claim `message` for this worker; raise _Skip if it was delivered, dramatiq.Retry if another holds it."""
    now = timezone.now()
    if _claim_new(message, now + lease):
        return
    row = DeliveredMessage.objects.get(message_id=message.message_id)
    if row.delivered_at is not None:
        raise _Skip
    # RabbitMQ marks a message redelivered when the consumer that had it lost its connection: the claim's
    # holder is gone (it crashed), so waiting for its lease would only delay the mail.
    holder_gone = getattr(message, "redelivered", False)
    if row.claimed_until is None or row.claimed_until <= now or holder_gone:
        taken = DeliveredMessage.objects.filter(
            pk=row.pk, delivered_at__isnull=True, claimed_until=row.claimed_until
        ).update(claimed_until=now + lease)
        if taken:
            if row.claimed_until is not None:
                logger.warning(
                    "Message %s: the worker that claimed it stopped (%s); taking it over.",
                    message.message_id,
                    "redelivered by RabbitMQ" if holder_gone else "its claim ran out",
                )
            return
        row.refresh_from_db()
    wait_ms = max(int(((row.claimed_until or now) - now).total_seconds() * 1000), 0) + 1000
    raise dramatiq.Retry(f"message {message.message_id} is being delivered by another worker", delay=wait_ms)


def once_per_message(*, lease):
    """Decorate an actor so that it does its work once per message id; `lease` bounds one attempt's work."""
    lease = timedelta(seconds=lease) if not isinstance(lease, timedelta) else lease

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            message = CurrentMessage.get_current_message()
            if message is None:  # called directly, not by a worker
                return fn(*args, **kwargs)
            try:
                _claim(message, lease)
            except _Skip:
                logger.info(
                    "Message %s (%s) was delivered already: this redelivery is skipped.",
                    message.message_id,
                    message.actor_name,
                )
                return None
            try:
                result = fn(*args, **kwargs)
            except BaseException:
                # Not done: let the retry (or a redelivery) claim it at once.
                DeliveredMessage.objects.filter(message_id=message.message_id, delivered_at__isnull=True).update(
                    claimed_until=None
                )
                raise
            try:
                DeliveredMessage.objects.filter(message_id=message.message_id).update(
                    delivered_at=timezone.now(), claimed_until=None
                )
            except DatabaseError:
                # The work is done: failing now would retry it and deliver it twice.
                logger.exception("Message %s was delivered but could not be recorded as such.", message.message_id)
            return result

        wrapper.lease = lease
        return wrapper

    return decorator


def delivered_prune(*, older_than):
    """Forget deliveries (and abandoned claims) from before `older_than`; returns how many."""
    deleted, _ = DeliveredMessage.objects.filter(
        Q(delivered_at__lt=older_than) | Q(delivered_at__isnull=True, claimed_until__lt=older_than)
    ).delete()
    if deleted:
        logger.info("Pruned %d delivered-message record(s).", deleted)
    return deleted
