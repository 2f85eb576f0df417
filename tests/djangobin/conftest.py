import pytest
from django.test import Client
from dramatiq import Message

from tests.djangobin.helpers import PASSWORD
from tests.factories import make_user


@pytest.fixture
def queued(broker):
    """queued("mail") → the messages waiting on that queue, decoded, oldest first (nothing is consumed)."""

    def messages(queue_name="mail"):
        return [Message.decode(raw) for raw in list(broker.queues[queue_name].queue)]

    return messages


@pytest.fixture
def user(db):
    return make_user(username="ann", email="ann@example.com", password=PASSWORD)


@pytest.fixture
def ann(client, user):
    """The client, logged in as `user`."""
    client.force_login(user)
    return client


@pytest.fixture
def csrf_client():
    """A client that checks CSRF tokens as a browser-facing server does."""
    return Client(enforce_csrf_checks=True)
