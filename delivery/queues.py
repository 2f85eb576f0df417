"""RabbitMQ operations on djangobin's queues, in one place: counts, dead letters (list, requeue, purge) and the
fresh copy of a message that is sent again.

Each Dramatiq queue `Q` has `Q.DQ` (delayed messages) and `Q.XQ` (dead letters, kept 7 days); their names
come from dramatiq's own `dq_name`/`xq_name`. Counts come from AMQP passive declares (always available;
`Q.DQ` counts only delayed messages no worker has fetched yet, since workers hold due-later messages unacked
in memory). When RABBITMQ_MANAGEMENT_URL is set, the management HTTP API adds unacked counts and message rates.
"""

import base64
import contextlib
import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import dramatiq
import pika
import pika.exceptions
from django.conf import settings
from dramatiq.common import dq_name, q_name, xq_name

from . import amqp

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3


class BrokerUnavailable(Exception):
    """RabbitMQ (or its management API) did not answer; the message says why."""


@dataclass
class QueueCounts:
    name: str
    ready: int | None = None
    delayed: int | None = None
    dead: int | None = None
    consumers: int | None = None
    # From the management API only (leader and members for quorum queues):
    type: str | None = None
    leader: str | None = None
    members: list = field(default_factory=list)
    unacked: int | None = None
    delayed_unacked: int | None = None
    rates: dict = field(default_factory=dict)


def _amqp_url():
    return settings.RABBITMQ_URL


def _management_url():
    return settings.RABBITMQ_MANAGEMENT_URL


def _connect(url):
    """A connection kept for the dashboard to the first node of `url` that answers."""
    try:
        return amqp.connect([amqp.parameters_kept(one, timeout=TIMEOUT_SECONDS) for one in amqp.urls_split(url)])
    except pika.exceptions.AMQPError as error:
        raise BrokerUnavailable(f"RabbitMQ did not answer: {type(error).__name__} {error}") from error


class _Connection:
    """One AMQP connection per process for the dashboard, opened on first use and again after a failure.

    Connecting costs more than all the passive declares of a page; a lock keeps threads from sharing it at once.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._url = None
        self._connection = None

    def _drop(self):
        if self._connection is not None and self._connection.is_open:
            with contextlib.suppress(Exception):
                self._connection.close()
        self._connection = None

    def run(self, url, work):
        """`work(connection)`, retried once on a fresh connection if the kept one has gone stale."""
        with self._lock:
            for attempt in (1, 2):
                if self._connection is None or self._url != url or not self._connection.is_open:
                    self._drop()
                    self._connection, self._url = _connect(url), url
                try:
                    return work(self._connection)
                except pika.exceptions.AMQPError as error:
                    self._drop()
                    if attempt == 2:
                        raise BrokerUnavailable(f"RabbitMQ failed mid-way: {type(error).__name__} {error}") from error
        raise AssertionError("unreachable")


_shared = _Connection()


def queue_counts(names: list[str], url: str | None = None) -> list[QueueCounts]:
    """Ready, delayed and dead-lettered counts and consumers of each queue, by AMQP passive declares."""

    def read(connection):
        channel = connection.channel()
        counts = []
        for name in names:
            channel, ready, consumers = amqp.queue_passive(connection, name, channel)
            channel, delayed, _ = amqp.queue_passive(connection, dq_name(name), channel)
            channel, dead, _ = amqp.queue_passive(connection, xq_name(name), channel)
            counts.append(QueueCounts(name=name, ready=ready, delayed=delayed, dead=dead, consumers=consumers))
        if channel.is_open:
            channel.close()
        return counts

    return _shared.run(url or _amqp_url(), read)


def dead_letters_purge(name: str, url: str | None = None) -> int:
    """Empty `name.XQ`; returns how many messages it held."""

    def purge(connection):
        channel, count, _ = amqp.queue_passive(connection, xq_name(name))
        purged = 0 if count is None else channel.queue_purge(queue=xq_name(name)).method.message_count
        if channel.is_open:
            channel.close()
        return purged

    return _shared.run(url or _amqp_url(), purge)


def _management_request(base_url, path):
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        raise BrokerUnavailable("RABBITMQ_MANAGEMENT_URL must be an http:// or https:// URL.")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    request = urllib.request.Request(f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}{path}")  # noqa: S310
    if parts.username is not None:
        secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(secret).decode())
    request.add_header("Accept", "application/json")
    return request


def _rate(stats, name):
    return (stats.get(f"{name}_details") or {}).get("rate")


def _management_get(base_urls, path):
    """The JSON at `path` from the first of the `;`-separated management URLs that answers."""
    error = None
    for base_url in amqp.urls_split(base_urls):
        request = _management_request(base_url, path)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only)
                return json.load(response)
        except (OSError, ValueError) as failure:
            error = failure
    raise BrokerUnavailable(f"The RabbitMQ management API did not answer: {error}")


def management_queues(base_url=None, amqp_url=None):
    """{queue name: its management-API numbers} for the broker's virtual host."""
    vhost = amqp.vhost_of(amqp_url or _amqp_url())
    queues = _management_get(base_url or _management_url(), f"/api/queues/{quote(vhost, safe='')}")
    found = {}
    for queue in queues:
        stats = queue.get("message_stats") or {}
        found[queue["name"]] = {
            "type": queue.get("type"),
            "leader": queue.get("leader"),
            "members": queue.get("members") or [],
            "ready": queue.get("messages_ready"),
            "unacked": queue.get("messages_unacknowledged"),
            "consumers": queue.get("consumers"),
            "rates": {
                "published": _rate(stats, "publish"),
                "delivered": _rate(stats, "deliver_get"),
                "acked": _rate(stats, "ack"),
            },
        }
    return found


def with_management(counts, base_url=None, amqp_url=None):
    """Add unacked counts and rates to `counts` from the management API, in place."""
    queues = management_queues(base_url, amqp_url)
    for count in counts:
        main = queues.get(count.name) or {}
        count.type, count.leader, count.members = main.get("type"), main.get("leader"), main.get("members") or []
        count.unacked = main.get("unacked")
        count.rates = main.get("rates") or {}
        count.delayed_unacked = (queues.get(dq_name(count.name)) or {}).get("unacked")
    return counts


# What one delivery left in a message's options; a message sent again starts afresh.
_DELIVERY_OPTIONS = frozenset({"retries", "traceback", "requeue_timestamp", "eta", "redelivered"})


def message_fresh(
    *,
    queue_name: str,
    actor_name: str,
    args,
    kwargs: dict,
    options: dict,
    message_id: str | None = None,
    message_timestamp: int | None = None,
) -> dramatiq.Message:
    """A message to send again: on the main queue (never `.DQ`/`.XQ`), its retry count and last error dropped."""
    fields = {"message_id": message_id} if message_id else {}
    if message_timestamp is not None:
        fields["message_timestamp"] = message_timestamp
    return dramatiq.Message(
        queue_name=q_name(queue_name),
        actor_name=actor_name,
        args=tuple(args),
        kwargs=dict(kwargs),
        options={key: value for key, value in options.items() if key not in _DELIVERY_OPTIONS},
        **fields,
    )


def _fresh_copy(message):
    return message_fresh(
        queue_name=message.queue_name,
        actor_name=message.actor_name,
        args=message.args,
        kwargs=message.kwargs,
        options=message.options,
        message_id=message.message_id,
        message_timestamp=message.message_timestamp,
    )


def dead_letters_list(*, queue_name: str, broker=None) -> list[dramatiq.Message]:
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


def dead_letters_requeue(*, queue_name: str, broker=None) -> int:
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
            message = _fresh_copy(dramatiq.Message.decode(body))
            broker.enqueue(message)
            channel.basic_ack(method.delivery_tag)
            moved += 1
            logger.info("Requeued dead message %s (%s).", message.message_id, message.actor_name)
    finally:
        if channel.is_open:
            channel.close()
    return moved


@dataclass
class BrokerView:
    queues: list = field(default_factory=list)
    error: str = ""
    management_error: str = ""
    management: bool = False


def broker_view(names):
    """RabbitMQ's counts for `names`; an unreachable broker is reported, never raised."""
    view = BrokerView(management=bool(settings.RABBITMQ_MANAGEMENT_URL))
    try:
        view.queues = queue_counts(names)
    except BrokerUnavailable as error:
        view.error = str(error)
        view.queues = [QueueCounts(name=name) for name in names]
    if view.management:
        try:
            with_management(view.queues)
        except BrokerUnavailable as error:
            view.management_error = str(error)
    return view
