"""Moving classic queues to quorum queues (and back) without losing a message, against the machine's RabbitMQ in a
virtual host of each test's own."""

import dramatiq
import pika
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker as DramatiqRabbitmqBroker

from delivery.amqp import node_urls
from delivery.broker import RabbitmqBroker
from delivery.queue_moves import OldPublishersRunning, QueueInUse, queues_redeclare
from tests.delivery.test_broker import queue_types


def message(n):
    return dramatiq.Message(queue_name="mail", actor_name="send_feedback_mail", args=(n,), kwargs={}, options={})


def fill_classic(url):
    """3 ready messages, 2 delayed and 1 dead letter in classic queues, as a deployment before the switch has them."""
    broker = DramatiqRabbitmqBroker(url=url, confirm_delivery=True)
    sent = {"mail": [], "mail.DQ": [], "mail.XQ": []}
    try:
        for n in range(3):
            sent["mail"].append(broker.enqueue(message(n)).message_id)
        for n in range(3, 5):
            sent["mail.DQ"].append(broker.enqueue(message(n), delay=3_600_000).message_id)
        channel = broker.connection.channel()
        dead = message(5)
        channel.basic_publish("", "mail.XQ", dead.encode(), pika.BasicProperties(delivery_mode=2))
        sent["mail.XQ"].append(dead.message_id)
    finally:
        broker.close()
    return sent


def message_ids(url, name):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        ids = []
        while True:
            method, _, body = channel.basic_get(name, auto_ack=False)
            if method is None:
                return sorted(ids)
            ids.append(dramatiq.Message.decode(body).message_id)
    finally:
        connection.close()  # nothing acked: every message stays


def quorum_broker(url):
    return RabbitmqBroker(url=node_urls(url), confirm_delivery=True, queue_type="quorum")


def test_classic_queues_become_quorum_queues_holding_every_message_of_all_three(rabbitmq_vhost):
    sent = fill_classic(rabbitmq_vhost.url)

    results = queues_redeclare(
        broker=quorum_broker(rabbitmq_vhost.url), queue_names=["mail"], old_publishers_stopped=True
    )

    assert results == {"mail": 3, "mail.DQ": 2, "mail.XQ": 1}
    assert {name: queue["type"] for name, queue in queue_types(rabbitmq_vhost).items()} == {
        "mail": "quorum",
        "mail.DQ": "quorum",
        "mail.XQ": "quorum",
    }
    for name, ids in sent.items():
        assert message_ids(rabbitmq_vhost.url, name) == sorted(ids), name


def test_queues_already_as_declared_are_left_alone(rabbitmq_vhost):
    broker = quorum_broker(rabbitmq_vhost.url)
    sent = broker.enqueue(message(1)).message_id
    broker.close()
    assert queues_redeclare(broker=broker, queue_names=["mail"]) == {"mail": None, "mail.DQ": None, "mail.XQ": None}
    assert message_ids(rabbitmq_vhost.url, "mail") == [sent]


def test_quorum_queues_go_back_to_classic_the_same_way(rabbitmq_vhost):
    broker = quorum_broker(rabbitmq_vhost.url)
    sent = broker.enqueue(message(1)).message_id
    broker.close()
    classic = RabbitmqBroker(url=node_urls(rabbitmq_vhost.url), queue_type="classic")
    assert queues_redeclare(broker=classic, queue_names=["mail"], old_publishers_stopped=True)["mail"] == 1
    assert queue_types(rabbitmq_vhost)["mail"]["type"] == "classic"
    assert message_ids(rabbitmq_vhost.url, "mail") == [sent]


def test_a_move_interrupted_after_the_old_queue_was_deleted_is_finished_by_the_next_run(rabbitmq_vhost):
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_vhost.url))
    channel = connection.channel()
    channel.queue_declare("mail.moving", durable=True)
    stranded = message(7)
    channel.basic_publish("", "mail.moving", stranded.encode(), pika.BasicProperties(delivery_mode=2))
    connection.close()

    queues_redeclare(broker=quorum_broker(rabbitmq_vhost.url), queue_names=["mail"])

    assert message_ids(rabbitmq_vhost.url, "mail") == [stranded.message_id]
    assert "mail.moving" not in rabbitmq_vhost.queue_depths()


def test_a_queue_a_worker_still_consumes_is_not_moved(rabbitmq_vhost):
    fill_classic(rabbitmq_vhost.url)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_vhost.url))
    connection.channel().basic_consume("mail", lambda *args: None)
    try:
        with pytest.raises(QueueInUse, match="stop every worker"):
            queues_redeclare(broker=quorum_broker(rabbitmq_vhost.url), queue_names=["mail"])
    finally:
        connection.close()
    assert queue_types(rabbitmq_vhost)["mail"]["type"] == "classic"
    assert rabbitmq_vhost.queue_depths()["mail"] == 3


@pytest.mark.parametrize("direction", ["classic to quorum", "quorum to classic"])
def test_no_queue_is_recreated_until_the_caller_says_the_old_settings_publishers_are_stopped(rabbitmq_vhost, direction):
    # Given a queue holding a message, to be re-created the other way
    old_type, new_type = direction.split(" to ")
    old = RabbitmqBroker(url=node_urls(rabbitmq_vhost.url), confirm_delivery=True, queue_type=old_type)
    sent = old.enqueue(message(1)).message_id
    old.close()
    new = RabbitmqBroker(url=node_urls(rabbitmq_vhost.url), queue_type=new_type)

    # When the move is asked for without saying that the publishers with the old settings are stopped
    with pytest.raises(OldPublishersRunning, match="--old-publishers-stopped"):
        queues_redeclare(broker=new, queue_names=["mail"])

    # Then the queue is left as it was, its message in it, and no temporary queue is made
    assert queue_types(rabbitmq_vhost)["mail"]["type"] == old_type
    assert message_ids(rabbitmq_vhost.url, "mail") == [sent]
    assert "mail.moving" not in rabbitmq_vhost.queue_depths()
