import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import make_user

UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1/"


@pytest.fixture(autouse=True)
def _no_shared_broker(settings):
    """Dashboard tests never read (let alone purge) the machine's shared RabbitMQ: a test that needs one asks
    for `rabbitmq_vhost` and points RABBITMQ_URL at it."""
    settings.RABBITMQ_URL = UNREACHABLE_BROKER
    settings.RABBITMQ_MANAGEMENT_URL = ""


@pytest.fixture
def staff(db):
    """A staff member who may act (retry, purge): the `dashboard.operate` permission."""
    user = make_user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="operate", content_type__app_label="dashboard"))
    return user


@pytest.fixture
def viewer_client(db):
    """A staff member without `dashboard.operate`: may look at everything, change nothing."""
    client = Client()
    client.force_login(make_user(is_staff=True))
    return client


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def user_client(db):
    client = Client()
    client.force_login(make_user())
    return client
