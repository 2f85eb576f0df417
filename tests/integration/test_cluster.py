"""A RabbitMQ cluster of three nodes with quorum queues: the node leading the `mail` queue is killed (SIGKILL) in
the middle of a stream of sign-ups and contact forms over HTTP, while a web server, two workers and the scheduler
run with the node list. Every page answers, every mail arrives, sending resumes within 30 s, and the killed node
rejoins. Also: a message delayed by the longest delay allowed is delivered once, under a one-minute
consumer_timeout."""

import re
import threading
import time
from collections import Counter

import pytest
from django.conf import settings

from delivery.queues import management_queues

# A deployment beyond one machine runs on PostgreSQL: the cluster runs in make test's PostgreSQL pass only, which
# keeps its 2-3 minutes out of the SQLite pass.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="the cluster runs in the PostgreSQL pass"
    ),
]

PASSWORD = "a-long-and-fine-password-42"
SCHEDULED = "Enqueued remove_snippets"


class Load(threading.Thread):
    """Sign-ups and contact forms, alternately, as fast as one client goes; remembers what each POST answered."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.stopping = threading.Event()
        self.posted = []  # (key the mail carries, monotonic time the POST started)
        self.statuses = Counter()

    def run(self):
        n = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            if n % 2:
                key = f"user{n}@example.com"
                data = {"username": f"user{n}", "email": key, "password1": PASSWORD, "password2": PASSWORD}
                status = self.client.post("/signup/", data).status
            else:
                key = f"cluster mail {n}"
                data = {"name": "Load", "email": "load@example.com", "purpose": "bug", "message": key}
                status = self.client.post("/contact/", data).status
            self.statuses[status] += 1
            if status in (200, 302):
                self.posted.append((key, started))
            n += 1
            time.sleep(0.05)


def key_of(record):
    """What a mail is about: the sign-up's address, or the contact message's text."""
    recipients, message = record
    found = re.search(r"cluster mail \d+", message.get_content())
    return found.group() if found else recipients[0]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def test_killing_the_node_that_leads_the_mail_queue_loses_no_mail(cluster_system, rabbitmq_cluster, smtp_server):
    system, cluster = cluster_system, rabbitmq_cluster
    system.shell(  # the purge every minute: its row is what the daemon reads
        "from scheduler import selectors, services\n"
        "services.job_update(job=selectors.job_get('remove_snippets'), crontab='* * * * *')"
    )
    web = system.start_web()
    workers = [system.start_worker(threads=2), system.start_worker(threads=2)]
    scheduler = system.start("scheduler", "runscheduler")
    load = Load(system.client(web))
    load.start()
    try:
        wait_until(lambda: len(smtp_server.messages) >= 10, 60, "ten mails before the kill")
        leader = cluster.node_named(cluster.queues(system.vhost)["mail"]["leader"])
        delivered_before = len(smtp_server.messages)
        scheduled_before = scheduler.log().count(SCHEDULED)
        killed_at = time.monotonic()
        leader.kill()

        # Sending resumes: a mail posted after the kill arrives within 30 s of it.
        def resumed():
            after = {key for key, at in load.posted if at > killed_at}
            return any(key_of(record) in after for record in list(smtp_server.messages))

        wait_until(resumed, 30, "a mail posted after the kill")
        resumed_after = time.monotonic() - killed_at
        time.sleep(3)  # the stream goes on a little on the two remaining nodes
    finally:
        load.stopping.set()
        load.join()

    assert set(load.statuses) <= {200, 302}, f"pages failed: {load.statuses}\n{system.logs()}"
    posted = {key for key, _ in load.posted}
    wait_until(lambda: posted <= {key_of(r) for r in list(smtp_server.messages)}, 120, "every mail")
    time.sleep(1)
    records = list(smtp_server.messages)
    counts = Counter(key_of(record) for record in records)
    assert set(counts) == posted, "a mail was lost"
    arrived_before = {key_of(record) for record in records[:delivered_before]}
    duplicated = {key for key, count in counts.items() if count > 1}
    assert not duplicated & arrived_before, "a mail delivered before the kill was sent again"

    # The killed node comes back and rejoins: the cluster runs three nodes and it holds a replica again.
    leader.start()
    wait_until(lambda: len(cluster.running_nodes()) == 3, 60, "the killed node running in the cluster again")
    wait_until(lambda: leader.node in cluster.queues(system.vhost)["mail"]["online"], 60, "its replica online")
    # The dashboard reads the queue's type, leader and members from a management API that answers.
    mail = management_queues(cluster.management_urls(), system.env["RABBITMQ_URL"])["mail"]
    assert mail["type"] == "quorum" and sorted(mail["members"]) == sorted(node.node for node in cluster.nodes)
    # The scheduler's long-lived connection moved to another node too: it enqueues its every-minute job after the kill.
    scheduler.wait_for_log(SCHEDULED, count=scheduled_before + 1, timeout=75)
    for worker in workers:
        assert worker.popen.poll() is None
    print(
        f"\n[cluster] {len(load.posted)} forms posted ({dict(load.statuses)}), {len(records)} mails, "
        f"{len(duplicated)} duplicate(s); sending resumed {resumed_after:.1f} s after the leader was killed"
    )


def test_a_message_delayed_by_the_longest_delay_allowed_is_delivered_once(cluster_system, smtp_server):
    system = cluster_system
    worker = system.start_worker(threads=2)
    sent = system.shell(
        "import dramatiq\n"
        "from actors.mail import send_feedback_mail\n"
        "from djangobin.models import Feedback\n"
        "broker = dramatiq.get_broker()\n"
        "feedback = Feedback.objects.create(name='Late', email='late@example.com', purpose='bug', message='late')\n"
        "send_feedback_mail.send_with_options(args=(feedback.pk,), delay=broker.max_delay_ms)\n"
        "try:\n"
        "    send_feedback_mail.send_with_options(args=(feedback.pk,), delay=broker.max_delay_ms + 1)\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, broker.max_delay_ms)\n"
    )
    started = time.monotonic()
    assert sent == "DelayTooLong 54000"

    smtp_server.wait_for(1, timeout=90)
    waited = time.monotonic() - started
    time.sleep(5)
    assert len(smtp_server.messages) == 1
    assert waited >= 50
    assert "timed out" not in worker.log() and "Consumer encountered" not in worker.log()
