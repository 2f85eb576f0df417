"""Point 4: the mail server down for a while — mail waits, retries on a visible schedule, and all of it arrives;
a permanent refusal fails once and waits in the dead-letter queue until an operator retries it."""

import re
from collections import defaultdict

import pytest

pytestmark = pytest.mark.integration

MAILS = 10
RETRYING = re.compile(r"Retrying message '([0-9a-f-]+)' in (\d+) milliseconds")

FEEDBACK = """
from djangobin.services.feedback import feedback_create
for n in range({n}):
    feedback_create(name="Ann", email="ann@example.com", purpose="bug", message=f"{prefix} {{n}}")
"""


def retry_schedules(log):
    """{message id: [delay in ms, …]} as the worker logged them."""
    schedules = defaultdict(list)
    for message_id, delay in RETRYING.findall(log):
        schedules[message_id].append(int(delay))
    return schedules


@pytest.fixture
def quick_retries(make_system):
    """A system whose mail retries start at 0.5 s instead of 15 s (the schedule keeps its shape, compressed)."""
    return make_system(env={"MAIL_RETRY_MIN_BACKOFF_MS": "500"})


def test_mail_sent_while_the_mail_server_is_down_is_retried_on_a_growing_schedule_and_all_arrives(
    quick_retries, smtp_server, rabbitmq_vhost
):
    system = quick_retries
    smtp_server.stop()
    worker = system.start_worker(threads=4)
    system.shell(FEEDBACK.format(n=MAILS, prefix="while down"))

    worker.wait_for_log("Retrying message", count=MAILS * 3, timeout=120)
    smtp_server.start()

    mails = smtp_server.wait_for(MAILS, timeout=120)
    bodies = sorted(re.search(r"while down \d+", m.get_content()).group() for _, m in mails)
    assert bodies == sorted(f"while down {n}" for n in range(MAILS))
    schedules = retry_schedules(worker.log())
    assert len(schedules) == MAILS
    for delays in schedules.values():
        assert len(delays) >= 3
        # Exponential backoff with jitter: each wait is drawn from [min·2^n, 2·min·2^n].
        for n, delay in enumerate(delays[:4]):
            assert 500 * 2**n <= delay <= 2 * 500 * 2**n
    longest = max(sum(d) for d in schedules.values()) / 1000
    print(f"\n[smtp outage] {MAILS} mails, up to {max(map(len, schedules.values()))} retries each over {longest:.1f} s")


def test_a_permanent_refusal_fails_once_and_an_operator_can_send_it_again(quick_retries, smtp_server, rabbitmq_vhost):
    system = quick_retries
    smtp_server.handler.reply = "550 mailbox unavailable"
    worker = system.start_worker()
    system.shell(FEEDBACK.format(n=1, prefix="refused"))

    worker.wait_for_log("failed permanently")
    assert smtp_server.handler.attempts == 1
    assert "Retrying message" not in worker.log()
    listed = system.manage("retrymail", "--list").stdout
    assert "send_feedback_mail" in listed and "1 dead message in mail.XQ." in listed

    smtp_server.handler.reply = "250 OK"  # the operator fixed the cause
    assert "Requeued 1 dead message from" in system.manage("retrymail").stdout

    [(_, message)] = smtp_server.wait_for(1)
    assert "refused 0" in message.get_content()
    assert smtp_server.handler.attempts == 2
    assert "0 dead messages" in system.manage("retrymail", "--list").stdout
