"""Point 3: RabbitMQ restarted under load — publishers and workers reconnect by themselves, nothing is lost."""

import re
import time

import pytest

pytestmark = pytest.mark.integration

TOTAL = 60

LOAD = """
import time
from djangobin.services.feedback import feedback_create
for n in range({total}):
    feedback_create(name="Load", email="load@example.com", purpose="bug", message=f"load mail {{n}}")
    print(f"made {{n}}", flush=True)
    time.sleep(0.05)
print("load done", flush=True)
"""


def test_a_rabbitmq_restart_under_load_loses_nothing_and_everyone_reconnects(
    outage_system, private_broker, smtp_server
):
    system = outage_system
    smtp_server.handler.stall_seconds = 0.2  # a backlog builds up in RabbitMQ
    worker = system.start_worker(threads=2)
    load = system.start("load", "shell", "-c", LOAD.format(total=TOTAL))
    load.wait_for_log(f"made {TOTAL // 3}")

    waiting = private_broker.queue_depths(private_broker.vhost).get("mail", 0)
    private_broker.restart()
    restarted = time.monotonic()
    delivered_before = len(smtp_server.messages)

    smtp_server.wait_for(delivered_before + 1, timeout=30)
    assert len(smtp_server.messages) > delivered_before, "no mail was delivered within 30 s of the restart"
    first_after = time.monotonic() - restarted

    load.wait_for_log("load done", timeout=120)
    smtp_server.wait_for(TOTAL, timeout=120)
    bodies = [re.search(r"load mail \d+", m.get_content()).group() for _, m in smtp_server.messages]
    assert sorted(set(bodies)) == sorted(f"load mail {n}" for n in range(TOTAL))
    assert len(bodies) == TOTAL, "a mail was delivered twice"
    assert "Restarting consumer" in worker.log()
    print(f"\n[broker restart] {waiting} waiting in RabbitMQ at the restart; first mail {first_after:.1f} s after")
