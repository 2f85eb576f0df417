"""Point 1: RabbitMQ down while users sign up, send feedback or reset a password — the pages answer as usual,
and every mail is kept in the database and sent once RabbitMQ is back, without anyone acting."""

import re
import time

import pytest

pytestmark = pytest.mark.integration

N_SIGNUPS = 5
PASSWORD = "pw-Xy-123456!"


def sign_up(client, n):
    data = {"username": f"down{n}", "email": f"down{n}@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/signup/", data)


def outbox_size(system):
    return int(
        system.shell("from delivery.models import OutboxMessage; print(OutboxMessage.objects.count())").splitlines()[-1]
    )


def test_mail_requested_while_rabbitmq_is_down_is_kept_and_sent_once_it_is_back(
    outage_system, private_broker, smtp_server
):
    system = outage_system
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_user('alive', 'alive@example.com', '{PASSWORD}')"
    )
    worker = system.start_worker(processes=2)  # two relays race for the held rows
    web = system.start_web()
    client = system.client(web)
    # RabbitMQ up: the normal path publishes right after commit, and the outbox row is gone at once.
    started = time.monotonic()
    assert sign_up(client, "-up").status == 200
    with_rabbitmq = time.monotonic() - started
    smtp_server.wait_for(1)
    assert outbox_size(system) == 0
    assert "Outbox relay published" not in worker.log()

    private_broker.stop_app()
    timings = []
    for n in range(N_SIGNUPS):
        started = time.monotonic()
        response = sign_up(client, n)
        timings.append(time.monotonic() - started)
        assert response.status == 200 and "down" in response.body, response.body[:500]
    contact = {"name": "Ann", "email": "ann@example.com", "purpose": "bug", "message": "sent while RabbitMQ was down"}
    assert client.post("/contact/", contact).status == 302
    assert client.post("/password-reset/", {"email": "alive@example.com"}).status == 302
    assert outbox_size(system) == N_SIGNUPS + 2
    assert "Internal Server Error" not in web.log()

    private_broker.start_app()
    back = time.monotonic()
    expected = 1 + N_SIGNUPS + 2
    smtp_server.wait_for(expected, timeout=90)
    all_delivered = time.monotonic() - back
    worker.wait_for_log("Outbox relay published")
    assert outbox_size(system) == 0
    # Each held row was published once, by one of the two relays: no double publishing to lean on the ledger.
    relayed = [int(n) for n in re.findall(r"Outbox relay published (\d+) held", worker.log())]
    assert sum(relayed) == N_SIGNUPS + 2
    assert worker.log().count("Enqueued ") == N_SIGNUPS + 2
    assert private_broker.queue_depths(private_broker.vhost).get("mail", 0) == 0
    recipients = sorted(rcpt for rcpts, _ in smtp_server.messages for rcpt in rcpts)
    assert recipients == sorted(
        ["down-up@example.com", "admin@example.com", "alive@example.com"]
        + [f"down{n}@example.com" for n in range(N_SIGNUPS)]
    )
    print(
        f"\n[broker down] a sign-up with RabbitMQ up answered in {with_rabbitmq * 1000:.0f} ms; "
        f"{N_SIGNUPS} sign-ups answered in {min(timings) * 1000:.0f} to {max(timings) * 1000:.0f} ms "
        f"each with RabbitMQ down; all {expected} mails arrived once, the last {all_delivered:.1f} s after it was back"
    )


def test_the_web_server_publishes_over_one_connection_however_many_request_threads_it_runs(system, rabbitmq_vhost):
    import subprocess

    web = system.start_web()  # runserver: a new thread for every request
    client = system.client(web)
    for n in range(10):
        data = {"name": "Ann", "email": "ann@example.com", "purpose": "bug", "message": f"message {n}"}
        assert client.post("/contact/", data).status == 302
    web.wait_for_log("Enqueued send_feedback_mail", count=10)
    vhosts = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "vhost", "--no-table-headers"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert vhosts.count(rabbitmq_vhost.name) == 1


def test_a_row_that_cannot_be_sent_is_parked_and_the_mails_behind_it_go_out(system, smtp_server):
    """Issue 10 point 4: a row whose actor was renamed away in a deploy sits first in the outbox; the relay of a
    real worker sends the mails behind it, parks it with its real error, and says so once, at ERROR."""
    system.shell(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from delivery.models import OutboxMessage\n"
        "from delivery.outbox import outbox_add\n"
        "from djangobin.models import Feedback\n"
        "poisoned = outbox_add(actor_path='actors.mail.send_feedback_mail', args=(0,))\n"
        "OutboxMessage.objects.filter(pk=poisoned.pk).update(actor_path='actors.mail.send_feedback_mail_v0')\n"
        "for n in (1, 2):\n"
        "    f = Feedback.objects.create(name=f'Ann {n}', email='ann@example.com', purpose='bug', message=f'm{n}')\n"
        "    outbox_add(actor_path='actors.mail.send_feedback_mail', args=(f.pk,))\n"
        "OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))\n"
    )
    worker = system.start_worker()

    smtp_server.wait_for(2, timeout=60)
    worker.wait_for_log("is parked after", timeout=60)
    parked = system.shell(
        "from delivery.parked import outbox_parked_messages\n"
        "print([(r.actor_path, r.failures, r.last_error[:40]) for r in outbox_parked_messages()])"
    ).splitlines()[-1]
    assert "send_feedback_mail_v0" in parked and "ImportError" in parked
    assert outbox_size(system) == 1
    time.sleep(3)  # passes go on; the parked row is neither tried nor logged again
    log = worker.log()
    assert log.count("is parked after") == 1
    assert log.count("ERROR") == 1, log
    assert "RabbitMQ did not take" not in log
