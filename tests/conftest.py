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


@pytest.fixture
def make_system(tmp_path, rabbitmq_vhost, smtp_server):
    """Build scratch djangobins with extra environment, e.g. `make_system(env={"MAIL_RETRY_MIN_BACKOFF_MS": "200"})`;
    `smtp=False` leaves EMAIL_HOST unset (the console backend). All of them stop after the test."""
    systems = []

    def make(env=None, smtp=True):
        extra = {} if smtp else {"EMAIL_HOST": ""}
        scratch = System(
            tmp_path / f"system-{len(systems)}",
            rabbitmq_vhost.url,
            smtp=smtp_server if smtp else None,
            env={**extra, **(env or {})},
        )
        systems.append(scratch)
        return scratch

    yield make
    for scratch in systems:
        scratch.stop()
