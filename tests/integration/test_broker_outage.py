"""Point 1: RabbitMQ down while users sign up, send feedback or reset a password — nothing is lost."""

import pytest

pytestmark = pytest.mark.integration

N_SIGNUPS = 5

SIGN_UP = """
from djangobin.services.accounts import user_create
from djangobin.services.feedback import feedback_create
from djangobin.services.accounts import password_reset_mail_request
from django.contrib.auth import get_user_model
from delivery.models import OutboxMessage
for n in range({n}):
    user_create(username=f"down{{n}}", email=f"down{{n}}@example.com", password="pw-xyz-123456", site_url="http://t")
feedback_create(name="Ann", email="ann@example.com", purpose="bug", message="sent while RabbitMQ was down")
password_reset_mail_request(user=get_user_model().objects.get(username="alive"), site_url="http://t")
print(OutboxMessage.objects.count())
"""


def test_mail_requested_while_rabbitmq_is_down_is_kept_and_sent_once_it_is_back(
    outage_system, private_broker, smtp_server
):
    system = outage_system
    worker = system.start_worker()
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.create_user('alive', 'alive@example.com', 'pw-xyz-123456')"
    )

    private_broker.stop_app()
    held = system.shell(SIGN_UP.format(n=N_SIGNUPS)).splitlines()[-1]
    assert held == str(N_SIGNUPS + 2)
    private_broker.start_app()

    expected = N_SIGNUPS + 2
    smtp_server.wait_for(expected, timeout=90)
    worker.wait_for_log("Outbox relay published")
    outbox = system.shell("from delivery.models import OutboxMessage; print(OutboxMessage.objects.count())")
    assert outbox.splitlines()[-1] == "0"
    assert private_broker.queue_depths(private_broker.vhost).get("mail", 0) == 0
    recipients = sorted(rcpt for rcpts, _ in smtp_server.messages for rcpt in rcpts)
    assert recipients == sorted(
        [f"down{n}@example.com" for n in range(N_SIGNUPS)] + ["admin@example.com", "alive@example.com"]
    )
