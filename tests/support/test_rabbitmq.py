"""The tests' pool of RabbitMQ virtual hosts: each test gets one of its own, made in batches (one `rabbitmqctl` call
a batch), and every one made is deleted at the end, taken or not."""

import subprocess

import pika
import pytest

from tests.support.rabbitmq import VhostPool

pytestmark = pytest.mark.one_database


def test_the_pool_hands_out_distinct_usable_virtual_hosts_in_batches_and_deletes_each_one_it_made():
    # Given a pool for ten tests (batches of eight, then two)
    pool = VhostPool(10)

    # When ten are taken and given back, and an eleventh that the count missed is taken too
    taken = [pool.take()]
    assert len(pool._stock) == 7  # the first batch: eight made at once
    taken += [pool.take() for _ in range(10)]
    for vhost in taken:
        with pika.BlockingConnection(pika.URLParameters(vhost.url)) as connection:  # guest may use it
            connection.channel().queue_declare("mail", durable=True)
        pool.give_back(vhost)
    pool.close()

    # Then each was its own, and none is left on the broker
    assert len({vhost.name for vhost in taken}) == 11
    assert not {vhost.name for vhost in taken} & set(vhosts())


def test_those_made_ahead_and_never_taken_are_deleted_too():
    pool = VhostPool(3)
    taken = pool.take()
    pool.give_back(taken)
    made = [taken, *pool._stock]

    pool.close()

    assert len(made) == 3
    assert not {vhost.name for vhost in made} & set(vhosts())


def vhosts():
    listed = subprocess.run(["rabbitmqctl", "-q", "list_vhosts", "--no-table-headers"], capture_output=True, text=True)
    return listed.stdout.split()
