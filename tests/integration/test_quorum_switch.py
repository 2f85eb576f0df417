"""A deployment switching RABBITMQ_QUEUE_TYPE from classic to quorum: workers refuse to start with a message
naming the queue and the command, the web keeps taking forms, and after `manage.py rabbitmq_queues_redeclare
--old-publishers-stopped` every mail (those waiting in the classic queue and those sent meanwhile) is delivered once."""

import json
import re
import subprocess
import threading
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
    moved = system.manage("rabbitmq_queues_redeclare", "--old-publishers-stopped").stdout
    assert "mail: re-created, 3 messages moved" in moved
    system.start_worker()
    mails = smtp_server.wait_for(4, timeout=60)
    time.sleep(1)
    bodies = sorted(re.search(r"switch mail \d", message.get_content()).group() for _, message in smtp_server.messages)
    assert bodies == [f"switch mail {n}" for n in range(4)], mails


class Sender(threading.Thread):
    """Posts contact forms one after another, in turn to each web server of `clients` (which the test may change),
    until stopped; keeps the number of every form the web took and what any other answer was."""

    def __init__(self, clients):
        super().__init__(name="contact-sender", daemon=True)
        self.clients = clients
        self.taken = []
        self.refused = []
        self._stopping = threading.Event()

    def run(self):
        n = 0
        while not self._stopping.is_set():
            clients = self.clients
            try:
                status = post_contact(clients[n % len(clients)], n)
            except OSError as error:
                status = repr(error)
            (self.taken if status == 302 else self.refused).append(n if status == 302 else (n, status))
            n += 1
            time.sleep(0.05)

    def wait_for_more(self, count, timeout=30):
        target = len(self.taken) + count
        deadline = time.monotonic() + timeout
        while len(self.taken) < target:
            assert time.monotonic() < deadline and not self.refused, (self.taken, self.refused)
            time.sleep(0.05)

    def stop(self):
        self._stopping.set()
        self.join(timeout=30)


def outbox_rows(system):
    """(failures, parked) of each row in the system's outbox."""
    code = (
        "import json; from delivery.models import OutboxMessage; "
        "print(json.dumps([[r.failures, r.parked_at is not None] for r in OutboxMessage.objects.all()]))"
    )
    return json.loads(system.shell(code).splitlines()[-1])


def whereabouts(system, vhost, missing):
    """Where the feedback of each missing mail is (mailed or not), the outbox's rows, RabbitMQ's queues and the
    processes' logs: whether a mail was lost or late, and where."""
    code = (
        "import json; from djangobin.models import Feedback; from delivery.models import OutboxMessage, "
        "DeliveredMessage; print(json.dumps({'feedback': [[f.pk, f.message, str(f.created_on), str(f.mailed_at)] "
        f"for f in Feedback.objects.filter(message__in={sorted(missing)!r})], 'outbox': [[r.message_id, r.args, "
        "r.failures, r.attempts, str(r.available_at), r.last_error] for r in OutboxMessage.objects.all()], "
        "'claimed': [[d.message_id, str(d.claimed_until)] for d in DeliveredMessage.objects.filter("
        "delivered_at__isnull=True)]}, indent=1))"
    )
    queues = subprocess.run(
        [
            "rabbitmqctl",
            "-q",
            "list_queues",
            "-p",
            vhost.name,
            "name",
            "type",
            "messages_ready",
            "messages_unacknowledged",
            "consumers",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return f"missing {sorted(missing)}:\n{system.shell(code)}\n{queues}\n{system.logs()}"


def test_switching_to_quorum_queues_with_the_web_sending_throughout_parks_nothing_and_delivers_every_mail(
    system, rabbitmq_vhost, smtp_server
):
    # Given a classic deployment, its web server taking contact forms all along
    old_web = system.start_web()
    worker = system.start_worker()
    sender = Sender([system.client(old_web)])
    sender.start()
    sender.wait_for_more(3)

    # When the workers stop and a web server with quorum settings replaces the old one (a rolling deploy)
    worker.stop()
    system.env["RABBITMQ_QUEUE_TYPE"] = "quorum"
    new_web = system.start_web()
    sender.clients = [system.client(old_web), system.client(new_web)]
    sender.wait_for_more(6)
    sender.clients = [system.client(new_web)]
    sender.wait_for_more(2)

    # And the move is refused until the operator says that nothing with the old settings publishes any more
    refused = system.manage("rabbitmq_queues_redeclare", check=False)
    assert refused.returncode != 0 and "--old-publishers-stopped" in refused.stderr, refused.stderr
    old_web.stop()

    # And the queues are re-created while the new web server takes forms
    redeclared = system.manage("rabbitmq_queues_redeclare", "--old-publishers-stopped")
    assert re.search(r"^mail: re-created, \d+ messages? moved$", redeclared.stdout, re.M), redeclared.stdout
    sender.wait_for_more(4)

    # Then what the new web server could not send before the move waits in the outbox, counted against no row
    held = outbox_rows(system)
    assert held and held == [[0, False]] * len(held)

    # And once a worker with the new settings runs, every form the web took is mailed once, and no row is parked
    system.start_worker()
    sender.wait_for_more(4)
    sender.stop()
    assert sender.refused == []
    smtp_server.wait_for(len(sender.taken), timeout=30)
    time.sleep(1)
    bodies = sorted(re.search(r"switch mail \d+", message.get_content()).group() for _, message in smtp_server.messages)
    expected = sorted(f"switch mail {n}" for n in sender.taken)
    assert bodies == expected, whereabouts(system, rabbitmq_vhost, set(expected) - set(bodies))
    assert outbox_rows(system) == []
