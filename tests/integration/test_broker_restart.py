"""Point 3: RabbitMQ restarted under load — the web server and the worker reconnect by themselves within
30 seconds, and nothing is lost: not the messages waiting in RabbitMQ (durable queues, persistent messages),
not those sent while it was down (the outbox)."""

import re
import threading
import time

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timed]

ENQUEUED = "Enqueued send_feedback_mail"


def test_a_rabbitmq_restart_under_load_loses_nothing_and_everyone_reconnects(
    outage_system, private_broker, smtp_server
):
    system = outage_system
    smtp_server.handler.stall_seconds = 0.5  # the worker is slower than the load: a backlog waits in RabbitMQ
    worker = system.start_worker(threads=2)
    web = system.start_web()
    sent, failures, stop = [], [], threading.Event()

    def load():
        client = system.client(web)
        n = 0
        while not stop.is_set():
            data = {"name": "Load", "email": "load@example.com", "purpose": "bug", "message": f"load mail {n}"}
            status = client.post("/contact/", data).status
            (sent if status == 302 else failures).append(n)
            n += 1
            time.sleep(0.05)

    thread = threading.Thread(target=load)
    thread.start()
    try:
        while len(sent) < 20:
            time.sleep(0.05)
        waiting = private_broker.queue_depths(private_broker.vhost).get("mail", 0)
        private_broker.restart()
        restarted = time.monotonic()
        delivered, published = len(smtp_server.messages), web.log().count(ENQUEUED)

        web.wait_for_log(ENQUEUED, count=published + 1, timeout=30)
        web_back = time.monotonic() - restarted
        smtp_server.wait_for(delivered + 1, timeout=30)
        assert len(smtp_server.messages) > delivered, "the worker delivered nothing within 30 s of the restart"
        worker_back = time.monotonic() - restarted
        smtp_server.handler.stall_seconds = 0
    finally:
        stop.set()
        thread.join()

    assert failures == []
    mails = smtp_server.wait_for(len(sent), timeout=120)
    bodies = [re.search(r"load mail \d+", m.get_content()).group() for _, m in mails]
    assert sorted(bodies) == sorted(f"load mail {n}" for n in sent), "a mail was lost or sent twice"
    assert "Restarting consumer" in worker.log()
    print(
        f"\n[broker restart] {len(sent)} contact forms posted, {waiting} mails waiting in RabbitMQ at the restart; "
        f"web publishing again {web_back:.1f} s and worker delivering {worker_back:.1f} s after the node was back"
    )
