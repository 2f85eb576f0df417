import pytest

from tests.support.rabbitmq import Vhost
from tests.support.smtp import SmtpServer
from tests.support.system import System


@pytest.fixture
def rabbitmq_vhost():
    """A RabbitMQ virtual host of this test's own, deleted with all its queues afterwards."""
    vhost = Vhost().create()
    yield vhost
    vhost.delete()


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def system(tmp_path, rabbitmq_vhost, smtp_server):
    """A scratch djangobin (database, vhost, SMTP) for one integration test; its processes stop after it."""
    scratch = System(tmp_path / "system", rabbitmq_vhost.url, smtp=smtp_server)
    yield scratch
    scratch.stop()
