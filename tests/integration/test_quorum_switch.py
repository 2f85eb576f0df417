"""A deployment switching RABBITMQ_QUEUE_TYPE from classic to quorum: workers refuse to start with a message
naming the queue and the command, the web keeps taking forms, and after `manage.py rabbitmq_queues_redeclare`
every mail (those waiting in the classic queue and those sent meanwhile) is delivered once."""

import re
import time

import pytest

pytestmark = pytest.mark.integration


def post_contact(client, n):
    data = {"name": "Switch", "email": "switch@example.com", "purpose": "bug", "message": f"switch mail {n}"}
    return client.post("/contact/", data).status


def test_switching_to_quorum_queues_stops_workers_clearly_and_the_move_loses_no_mail(
    system, rabbitmq_vhost, smtp_server
):
    # Given three contact mails waiting in classic queues, no worker running
    web = system.start_web()
    client = system.client(web)
    assert [post_contact(client, n) for n in range(3)] == [302, 302, 302]
    deadline = time.monotonic() + 30
    while rabbitmq_vhost.queue_depths().get("mail") != 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    web.stop()

    # When the deployment switches to quorum queues
    system.env["RABBITMQ_QUEUE_TYPE"] = "quorum"
    web = system.start_web()
    assert post_contact(system.client(web), 3) == 302  # the outbox keeps it while the queue cannot be declared
    worker = system.start("worker", "rundramatiq", "--processes", "1", "--threads", "2")
    worker.popen.wait(timeout=60)

    # Then the worker stops at start-up naming the queue and the way out
    assert worker.popen.returncode != 0
    assert re.search(r"queue 'mail'.*rabbitmq_queues_redeclare", worker.log())

    # And after the move every mail is delivered, once
    moved = system.manage("rabbitmq_queues_redeclare").stdout
    assert "mail: re-created, 3 message(s) moved" in moved
    system.start_worker()
    mails = smtp_server.wait_for(4, timeout=60)
    time.sleep(1)
    bodies = sorted(re.search(r"switch mail \d", message.get_content()).group() for _, message in smtp_server.messages)
    assert bodies == [f"switch mail {n}" for n in range(4)], mails
