"""The delivery ledger: an actor decorated with `once_per_message(...)` does its work once per message id.

RabbitMQ delivers at least once: a worker killed after the SMTP server accepted a mail but before the ack
gets that message again, and the outbox may publish a message twice when a confirm was lost. Before the work
the worker claims the message id (a unique row, with a lease); after it, it marks it delivered. That is two
statements an attempt, each its own transaction: the claim is one `INSERT … ON CONFLICT DO NOTHING` (only a
copy finding a row reads it, and may take it over with a conditional UPDATE), the record one UPDATE, which
the work's own last write can go with (`write_with_record`). So:

- a redelivery of a delivered message is skipped;
- a copy arriving while another worker holds the claim is retried once the lease may have run out, and the
  lease outlasts any attempt (`lease_covering`);
- a copy RabbitMQ redelivered (the claim's worker lost its connection: it died) or whose claim ran out takes
  the claim over at once and does the work, unless it reached the worker process still working on it;
- a failed attempt releases its claim, so its retry goes ahead at once: nothing is lost to the ledger.

The work cannot share a transaction with the ledger (a mail is not rolled back), so it can still be repeated
when a worker dies between the work and its record (the milliseconds from the SMTP server's answer to the
UPDATE), when the record cannot be written (logged), when a worker's RabbitMQ connection drops while it is
still working and the copy reaches another worker (one reaching the same worker process waits for the
attempt it still runs, `_working_here`), or, on PostgreSQL, when the database server crashes
within a fraction of a second of a ledger write (its commits do not wait for the disk, see `_write`).
"""

import functools
import logging
import threading
from datetime import timedelta

import dramatiq
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import Q
from django.utils import timezone
from dramatiq.middleware import CurrentMessage

from delivery.models import DeliveredMessage

logger = logging.getLogger(__name__)


# How often dramatiq's TimeLimit middleware looks for attempts over their limit (its default interval).
_TIME_LIMIT_CHECK_SECONDS = 1
# The ledger's own write after the work: it may wait for SQLite's write lock (a 20-second busy timeout).
_RECORD_SECONDS = 30


class _Skip(Exception):
    pass


# The message ids this process's threads are working on now (set.add and discard are atomic in CPython): a
# redelivered copy of one of them is not a dead holder's.
_working_here = set()


def lease_covering(*, time_limit_ms: int, blocking_call_timeout: float) -> float:
    """Seconds of lease that outlast any attempt of an actor with `time_limit_ms` whose blocking calls (e.g. each
    SMTP command) give up after `blocking_call_timeout` seconds.

    The time limit raises in the worker thread only between bytecodes: a call blocked in a socket runs to its own
    timeout first, and the attempt then still writes its ledger record.
    """
    return time_limit_ms / 1000 + _TIME_LIMIT_CHECK_SECONDS + blocking_call_timeout + _RECORD_SECONDS


@functools.cache
def _statements(vendor):
    """The claim and the record in SQL on the model's names (values go as parameters), for the backend `vendor`."""
    meta, quote = DeliveredMessage._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    message_id, actor_name, claimed_until, delivered_at = (
        quote(meta.get_field(field).column) for field in ("message_id", "actor_name", "claimed_until", "delivered_at")
    )
    claim = (
        f"INSERT INTO {table} ({message_id}, {actor_name}, {claimed_until}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({message_id}) DO NOTHING RETURNING 1"
    )
    record = f"UPDATE {table} SET {delivered_at} = %s, {claimed_until} = NULL WHERE {message_id} = %s"  # noqa: S608
    return claim, record


def _write(db, statements):
    """Run `statements`, (sql, params) pairs, in order (a worker runs in autocommit); return the last one's first
    row, if it has any.

    On PostgreSQL they go in one round trip, as one transaction that commits without waiting for the WAL to reach the
    disk (a wait for the disk at every mail's commit). A database crash may then forget the last fraction of a second
    of ledger rows, and the work's writes that went with them, which can at most let a copy mail again, never lose a
    mail. On SQLite each commits on its own: one transaction over them held SQLite's single write lock while its
    thread waited for the GIL, which slowed the whole drain (docs/benchmarks.md, "Mail drain").
    """
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            sql = "; ".join(["SET LOCAL synchronous_commit TO OFF", *(sql for sql, _ in statements)])
            cursor.execute(sql, [value for _, params in statements for value in params])
            while cursor.nextset():  # to the last statement's result
                pass
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


# The writes of this thread's current attempt that go with its record (write_with_record); None outside one.
_attempt = threading.local()


def write_with_record(sql, params):
    """Have the work's last write, one statement, go with the record of the current message as delivered: on
    PostgreSQL in its transaction (one round trip, one commit, and after a crash the two cannot disagree), on SQLite
    right before it. It runs at once when called outside a worker's attempt; it is dropped if the attempt fails."""
    writes = getattr(_attempt, "writes", None)
    if writes is None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql, params)
    else:
        writes.append((sql, params))


# Each function looks the thread's connection up once: every attribute of the `connection` proxy is a lookup.
def _claim_new(message, until):
    """Insert the claim in one statement; False if the message id has a row already (delivered, or claimed)."""
    db = connections[DEFAULT_DB_ALIAS]
    claim, _ = _statements(db.vendor)
    params = [message.message_id, message.actor_name, db.ops.adapt_datetimefield_value(until)]
    return _write(db, [(claim, params)]) is not None


def _record_delivered(message, writes):
    db = connections[DEFAULT_DB_ALIAS]
    _, record = _statements(db.vendor)
    _write(db, [*writes, (record, [db.ops.adapt_datetimefield_value(timezone.now()), message.message_id])])


def _claim(message, lease):
    """Claim `message` for this worker; raise _Skip if it was delivered, dramatiq.Retry if another holds it."""
    now = timezone.now()
    if _claim_new(message, now + lease):
        return
    row = DeliveredMessage.objects.get(message_id=message.message_id)
    if row.delivered_at is not None:
        raise _Skip
    # RabbitMQ marks a message redelivered when the consumer that had it lost its connection: the claim's
    # holder is gone (it crashed), so waiting for its lease would only delay the mail, unless that holder is this
    # very process, whose connection dropped while a thread of it still works on the message.
    holder_gone = getattr(message, "redelivered", False) and message.message_id not in _working_here
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
        @functools.wraps(fn)
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
            _working_here.add(message.message_id)
            _attempt.writes = []
            try:
                try:
                    result = fn(*args, **kwargs)
                except BaseException:
                    # Not done: let the retry (or a redelivery) claim it at once.
                    DeliveredMessage.objects.filter(message_id=message.message_id, delivered_at__isnull=True).update(
                        claimed_until=None
                    )
                    raise
                try:
                    _record_delivered(message, _attempt.writes)
                except DatabaseError:
                    # The work is done: failing now would retry it and deliver it twice.
                    logger.exception("Message %s was delivered but could not be recorded as such.", message.message_id)
            finally:
                _attempt.writes = None
                _working_here.discard(message.message_id)
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
