"""delivery.broker against the machine's RabbitMQ (a virtual host of each test's own): node lists, quorum
declares, the delivery limit, the delay cap and the error a queue of the wrong type gives."""

import json
import subprocess
import threading
import time

import dramatiq
import pika
import pytest
from django.core.exceptions import ImproperlyConfigured
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL
from dramatiq.brokers.rabbitmq import RabbitmqBroker as DramatiqRabbitmqBroker

from delivery.amqp import node_urls
from delivery.broker import DelayTooLong, QueueMismatch, RabbitmqBroker, max_delay_for
from tests.support.ports import free_port


def make_broker(url, **options):
    return RabbitmqBroker(url=node_urls(url), confirm_delivery=True, **options)


LIST_QUEUES = ["rabbitmqctl", "-q", "list_queues", "--formatter", "json"]


def queue_types(vhost):
    out = subprocess.run(
        [*LIST_QUEUES, "-p", vhost.name, "name", "type", "arguments"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return {
        queue["name"]: {"type": queue["type"], "arguments": {key: value for key, _, value in queue["arguments"]}}
        for queue in json.loads(out)
    }


def test_a_node_list_is_split_on_semicolons_and_every_url_gets_bounded_timeouts():
    urls = node_urls(" amqp://a/ ; amqp://b/?socket_timeout=9;")
    assert urls == [
        "amqp://a/?socket_timeout=3&stack_timeout=5&blocked_connection_timeout=30",
        "amqp://b/?socket_timeout=9&stack_timeout=5&blocked_connection_timeout=30",
    ]


@pytest.mark.parametrize("bad", ["", " ; ", "http://h/", "amqp:///vhost", "amqp://a/;redis://b/"])
def test_a_node_list_without_a_good_amqp_url_stops_start_up_naming_the_setting(bad):
    with pytest.raises(ImproperlyConfigured, match="RABBITMQ_URL"):
        node_urls(bad)


def test_a_broker_whose_first_node_is_down_publishes_through_the_next(rabbitmq_vhost):
    dead = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    broker = make_broker(f"{dead};{rabbitmq_vhost.url}")
    try:
        broker.enqueue(dramatiq.Message(queue_name="mail", actor_name="noop", args=(), kwargs={}, options={}))
    finally:
        broker.close()
    assert rabbitmq_vhost.queue_depths()["mail"] == 1


def test_quorum_queues_are_declared_with_at_least_once_dead_lettering_and_a_delivery_limit(rabbitmq_vhost):
    broker = make_broker(rabbitmq_vhost.url, queue_type="quorum", delivery_limit=3)
    try:
        broker.declare_queue("mail", ensure=True)
    finally:
        broker.close()
    queues = queue_types(rabbitmq_vhost)
    assert {name: queue["type"] for name, queue in queues.items()} == {
        "mail": "quorum",
        "mail.DQ": "quorum",
        "mail.XQ": "quorum",
    }
    mail, delayed, dead = (queues[name]["arguments"] for name in ("mail", "mail.DQ", "mail.XQ"))
    assert mail["x-delivery-limit"] == 3
    assert "x-delivery-limit" not in delayed  # held unacked until due: every worker restart returns them
    for arguments in (mail, delayed):
        assert arguments["x-dead-letter-routing-key"] == "mail.XQ"
        assert (arguments["x-dead-letter-strategy"], arguments["x-overflow"]) == ("at-least-once", "reject-publish")
        assert "x-max-priority" not in arguments
    assert dead["x-message-ttl"] == DEAD_MESSAGE_TTL


def test_classic_queues_are_declared_as_dramatiq_declares_them(rabbitmq_vhost):
    broker = make_broker(rabbitmq_vhost.url)
    try:
        broker.declare_queue("mail", ensure=True)
    finally:
        broker.close()
    queues = queue_types(rabbitmq_vhost)
    assert {queue["type"] for queue in queues.values()} == {"classic"}
    assert queues["mail"]["arguments"] == {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "mail.XQ"}


def test_a_message_that_kills_its_consumer_each_time_ends_in_the_dead_letter_queue(rabbitmq_vhost):
    broker = make_broker(rabbitmq_vhost.url, queue_type="quorum", delivery_limit=2)
    try:
        broker.enqueue(dramatiq.Message(queue_name="mail", actor_name="noop", args=(), kwargs={}, options={}))
    finally:
        broker.close()
    for _ in range(3):  # each time a consumer takes it and dies before its ack
        connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_vhost.url))
        method, _, _ = connection.channel().basic_get("mail", auto_ack=False)
        assert method is not None
        connection.close()

    deadline = time.monotonic() + 10
    while rabbitmq_vhost.queue_depths().get("mail.XQ") != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert rabbitmq_vhost.queue_depths() == {"mail": 0, "mail.DQ": 0, "mail.XQ": 1}


def test_a_queue_declared_as_classic_stops_a_quorum_broker_with_the_way_out(rabbitmq_vhost):
    classic = DramatiqRabbitmqBroker(url=rabbitmq_vhost.url)
    classic.declare_queue("mail", ensure=True)
    classic.close()
    broker = make_broker(rabbitmq_vhost.url, queue_type="quorum")
    try:
        with pytest.raises(QueueMismatch, match=r"'mail'.*rabbitmq_queues_redeclare"):
            broker.enqueue(dramatiq.Message(queue_name="mail", actor_name="noop", args=(), kwargs={}, options={}))
    finally:
        broker.close()


def test_no_delay_reaches_the_consumer_timeout():
    assert max_delay_for(1_800_000) == 1_620_000
    assert max_delay_for(60_000) == 54_000


def test_a_delay_longer_than_a_worker_may_hold_a_message_is_refused_at_send_time(rabbitmq_vhost):
    broker = make_broker(rabbitmq_vhost.url, consumer_timeout_ms=60_000)
    message = dramatiq.Message(queue_name="mail", actor_name="noop", args=(), kwargs={}, options={})
    try:
        with pytest.raises(DelayTooLong, match="54000 ms"):
            broker.enqueue(message, delay=54_001)
        broker.enqueue(message, delay=54_000)
    finally:
        broker.close()
    assert rabbitmq_vhost.queue_depths()["mail.DQ"] == 1


def test_a_retry_backoff_longer_than_the_cap_is_shortened_to_it(rabbitmq_vhost):
    broker = make_broker(rabbitmq_vhost.url, consumer_timeout_ms=60_000)
    message = dramatiq.Message(queue_name="mail", actor_name="noop", args=(), kwargs={}, options={"retries": 4})
    try:
        sent = broker.enqueue(message, delay=7 * 24 * 3600 * 1000)
    finally:
        broker.close()
    assert sent.options["eta"] - sent.message_timestamp <= 54_000 + 1000


def test_acks_that_worker_threads_make_meanwhile_reach_rabbitmq_in_one_callback_of_the_consumer(rabbitmq_vhost):
    broker = make_broker(rabbitmq_vhost.url)
    broker.declare_queue("mail")
    for n in range(40):
        broker.enqueue(dramatiq.Message(queue_name="mail", actor_name="noop", args=(n,), kwargs={}, options={}))
    consumer = broker.consume("mail", prefetch=40, timeout=100)
    try:
        received = []
        while len(received) < 40:
            message = next(consumer)
            if message is not None:
                received.append(message)
        callbacks = []
        schedule = consumer.connection.add_callback_threadsafe
        consumer.connection.add_callback_threadsafe = lambda callback: (callbacks.append(callback), schedule(callback))
        # Eight worker threads ack while the consumer's thread (this one) is not polling.
        threads = [threading.Thread(target=lambda k=k: [consumer.ack(m) for m in received[k::8]]) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(callbacks) == 1
        consumer.connection.process_data_events(time_limit=0)
    finally:
        consumer.close()
        broker.close()
    rabbitmq_vhost.wait_until_empty("mail", timeout=10)
