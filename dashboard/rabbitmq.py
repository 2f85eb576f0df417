"""What RabbitMQ itself says about djangobin's queues, and the two things the dashboard asks it to do.

Counts come from AMQP passive declares (always available; `Q.DQ` counts only delayed messages no worker has
fetched yet, since workers hold due-later messages unacked in memory). When RABBITMQ_MANAGEMENT_URL is set,
the management HTTP API adds unacked counts and message rates.
"""

import base64
import contextlib
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import pika
import pika.exceptions

from . import conf

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


def delay_queue(name):
    return f"{name}.DQ"


def dead_letter_queue(name):
    return f"{name}.XQ"


def _parameters(url):
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = TIMEOUT_SECONDS
    parameters.blocked_connection_timeout = TIMEOUT_SECONDS
    parameters.connection_attempts = 1
    # Kept open between page views without pumping events: a heartbeat would make the broker drop it.
    parameters.heartbeat = 0
    return parameters


def _connect(url):
    """A connection to the first node of `url` (one URL, or several separated by ";") that answers."""
    try:
        return pika.BlockingConnection([_parameters(one) for one in url.split(";") if one.strip()])
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


def _declare_passive(connection, channel, name):
    """(channel, messages, consumers); a queue nobody has declared yet counts as (None, None)."""
    try:
        ok = channel.queue_declare(queue=name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != 404:
            raise
        return connection.channel(), None, None
    return channel, ok.method.message_count, ok.method.consumer_count


def queue_counts(names, url=None):
    """Ready, delayed and dead-lettered counts and consumers of each queue, by AMQP passive declares."""

    def read(connection):
        channel = connection.channel()
        counts = []
        for name in names:
            channel, ready, consumers = _declare_passive(connection, channel, name)
            channel, delayed, _ = _declare_passive(connection, channel, delay_queue(name))
            channel, dead, _ = _declare_passive(connection, channel, dead_letter_queue(name))
            counts.append(QueueCounts(name=name, ready=ready, delayed=delayed, dead=dead, consumers=consumers))
        if channel.is_open:
            channel.close()
        return counts

    return _shared.run(url or conf.rabbitmq_url(), read)


def dead_letters_purge(name, url=None):
    """Empty `name.XQ`; returns how many messages it held."""

    def purge(connection):
        channel, count, _ = _declare_passive(connection, connection.channel(), dead_letter_queue(name))
        purged = 0 if count is None else channel.queue_purge(queue=dead_letter_queue(name)).method.message_count
        if channel.is_open:
            channel.close()
        return purged

    return _shared.run(url or conf.rabbitmq_url(), purge)


def vhost_of(url):
    path = urlsplit(url.split(";")[0]).path
    return unquote(path[1:]) if len(path) > 1 else "/"


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
    for base_url in (url.strip() for url in base_urls.split(";") if url.strip()):
        request = _management_request(base_url, path)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only)
                return json.load(response)
        except (OSError, ValueError) as failure:
            error = failure
    raise BrokerUnavailable(f"The RabbitMQ management API did not answer: {error}")


def management_queues(base_url=None, amqp_url=None):
    """{queue name: its management-API numbers} for the broker's virtual host."""
    vhost = vhost_of(amqp_url or conf.rabbitmq_url())
    queues = _management_get(base_url or conf.management_url(), f"/api/queues/{quote(vhost, safe='')}")
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
        count.delayed_unacked = (queues.get(delay_queue(count.name)) or {}).get("unacked")
    return counts
