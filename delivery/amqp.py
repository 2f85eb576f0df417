"""The one module that speaks AMQP to RabbitMQ beside Dramatiq's own connections: node lists, how a connection is
opened, the reply codes we act on, and the passive declare that tolerates a queue nobody declared yet.

The broker (broker.py), the dashboard's counts and dead letters (queues.py) and the queue moves (queue_moves.py)
all go through here, so a node list is parsed one way and a connection is opened one way (the first node that
answers, bounded so that a dead node never hangs a request).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import pika
import pika.exceptions
from django.core.exceptions import ImproperlyConfigured

# AMQP reply codes (a channel or connection the broker closed says why with one of these).
NOT_FOUND = 404  # no such queue
PRECONDITION_FAILED = 406  # the queue exists declared otherwise, or is not empty for an if-empty delete
NOT_IMPLEMENTED = 540  # what a quorum queue answers an if-empty delete with (closing the connection)

# Added to every node URL that does not set its own: one attempt on a node that is down or unresponsive never
# hangs a request for long (the outbox keeps what RabbitMQ cannot take now), and the next node is tried.
CONNECTION_BOUNDS = {"socket_timeout": "3", "stack_timeout": "5", "blocked_connection_timeout": "30"}


def urls_split(raw: str) -> list[str]:
    """The URLs of a `;`-separated list (RABBITMQ_URL, RABBITMQ_MANAGEMENT_URL), blanks dropped."""
    return [url.strip() for url in raw.split(";") if url.strip()]


def node_urls(raw: str, *, setting: str = "RABBITMQ_URL") -> list[str]:
    """The node URLs of a `;`-separated list, each with CONNECTION_BOUNDS unless it sets them itself."""
    urls = urls_split(raw)
    if not urls:
        raise ImproperlyConfigured(f"{setting} names no RabbitMQ node.")
    bounded = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
            raise ImproperlyConfigured(f"{setting}: {url!r} is not an amqp:// or amqps:// URL with a host.")
        query = dict(parse_qsl(parts.query))
        extra = {key: value for key, value in CONNECTION_BOUNDS.items() if key not in query}
        bounded.append(url + ("&" if "?" in url else "?") + urlencode(extra) if extra else url)
    return bounded


def vhost_of(url: str) -> str:
    """The virtual host a (`;`-separated) node URL names: every node of a list is in the same one."""
    path = urlsplit(urls_split(url)[0]).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def parameters_kept(url: str, *, timeout: float) -> pika.URLParameters:
    """Parameters for a connection kept open between uses without pumping its events: no heartbeat (the broker
    would drop it between page views), one attempt, `timeout` on every wait."""
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    parameters.connection_attempts = 1
    parameters.heartbeat = 0
    return parameters


def connect(nodes: str | list) -> pika.BlockingConnection:
    """A blocking connection to the first node that answers: `nodes` a `;`-separated URL list, or a list of pika
    parameters (what a Dramatiq RabbitmqBroker holds)."""
    parameters = nodes if isinstance(nodes, list) else [pika.URLParameters(url) for url in urls_split(nodes)]
    return pika.BlockingConnection(parameters)


def queue_passive(connection, name: str, channel=None):
    """(channel, messages, consumers) of queue `name` by a passive declare; (channel, None, None) when no queue of
    that name exists. The broker closes a channel for a missing queue, so the channel returned may be a new one."""
    channel = channel or connection.channel()
    try:
        ok = channel.queue_declare(queue=name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != NOT_FOUND:
            raise
        return connection.channel(), None, None
    return channel, ok.method.message_count, ok.method.consumer_count
