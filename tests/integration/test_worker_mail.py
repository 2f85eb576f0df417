"""A real `rundramatiq` worker mailing through RabbitMQ (a vhost of the test's own) to aiosmtpd on loopback."""

import re
import signal

import pytest

pytestmark = pytest.mark.integration

ACTORS = (
    "highlight_snippet",
    "remove_snippets",
    "send_activation_mail",
    "send_activation_mail_to",
    "send_feedback_mail",
    "send_password_reset_mail",
    "send_password_reset_mail_to",
    "send_signup_attempt_mail",
)
FAST_RETRIES = {"MAIL_RETRY_MIN_BACKOFF_MS": "200"}


def feedback_code(*messages):
    """Python for `system.shell`: one committed feedback (so one queued mail) per message."""
    return "from djangobin.services.feedback import feedback_create\n" + "".join(
        f"feedback_create(name='Ann', email='ann@example.com', purpose='bug', message={message!r})\n"
        for message in messages
    )


def body_of(record):
    _, message = record
    return message.get_content()


def test_rundramatiq_lists_every_actor_and_without_an_email_host_prints_the_mail_in_its_log(make_system):
    # Given a system with no EMAIL_HOST (the console backend)
    system = make_system(smtp=False)
    # When its worker starts
    worker = system.start_worker()
    # Then it names every discovered module and, once booted, every declared actor
    log = worker.log()
    assert " * Discovered tasks module: 'actors.mail'" in log
    assert " * Discovered tasks module: 'actors.snippets'" in log
    assert " * Discovered tasks module: 'actors.renders'" in log
    [declared] = re.findall(r"Declared actors: (.*)\.$", log, flags=re.MULTILINE)
    assert set(ACTORS) <= set(declared.split(", "))
    # And a feedback's mail shows in the worker's log, as in the tutorial
    system.shell(feedback_code("printed, not sent"))
    worker.wait_for_log("printed, not sent")
    assert "To: admin@example.com" in worker.log()
    assert "Reply-To: ann@example.com" in worker.log()


def test_a_worker_killed_mid_batch_loses_no_mail_once_a_new_worker_starts(system, smtp_server, rabbitmq_vhost):
    # Given 40 mails queued and a slow mail server
    total, threads = 40, 2
    smtp_server.handler.stall_seconds = 0.25
    system.shell(feedback_code(*(f"batch mail {n}" for n in range(total))))
    # When a worker is SIGKILLed while it is part-way through them
    worker = system.start_worker(threads=threads)
    smtp_server.wait_for(6)
    worker.kill()
    in_flight = smtp_server.handler.stalling  # mails the server had but had not answered yet
    assert len(smtp_server.messages) < total, "the worker finished before it was killed: not a mid-batch crash"
    # And a new worker is started
    second = system.start_worker(threads=threads)
    # Then every mail arrives
    smtp_server.wait_for(total, timeout=60)
    rabbitmq_vhost.wait_until_empty("mail", "mail.DQ")
    bodies = [body_of(record) for record in smtp_server.messages]
    assert {f"batch mail {n}" for n in range(total)} == {re.search(r"batch mail \d+", b).group() for b in bodies}
    # And only a mail in flight at the crash (one per worker thread at most) can arrive twice
    assert len(bodies) - total <= threads
    assert rabbitmq_vhost.queue_depths().get("mail.XQ", 0) == 0
    # The delivery ledger (delivery/ledger.py) skipped every redelivered mail it knew was sent, and took over at
    # once the ones the killed worker had claimed but not finished.
    skipped = second.log().count("was delivered already: this redelivery is skipped")
    taken_over = second.log().count("taking it over")
    print(
        f"\n[SIGKILL] {total} mails, {threads} worker threads: {in_flight} in the SMTP server's hands at the kill, "
        f"{len(bodies) - total} delivered twice, {skipped} redeliveries skipped by the ledger, {taken_over} taken over"
    )


def test_transient_smtp_failures_are_retried_until_the_mail_is_delivered(make_system, smtp_server):
    system = make_system(env={**FAST_RETRIES, "EMAIL_TIMEOUT": "1"})
    worker = system.start_worker()
    # Given a mail server that answers the first DATA with "451 try again later"
    smtp_server.handler.replies = ["451 4.3.0 try again later"]
    # When a mail is sent, it fails once, is retried and delivered
    system.shell(feedback_code("after a 451"))
    [record] = smtp_server.wait_for(1)
    assert "after a 451" in body_of(record)
    assert smtp_server.handler.attempts == 2
    assert worker.log().count("Retrying message") == 1
    # Given a mail server that is down (connection refused)
    smtp_server.stop()
    system.shell(feedback_code("after a refused connection"))
    worker.wait_for_log("ConnectionRefusedError")
    # When it comes back, the retried mail is delivered
    smtp_server.start()
    smtp_server.wait_for(1, predicate=lambda record: "after a refused connection" in body_of(record))
    # Given a mail server that stops answering (longer than EMAIL_TIMEOUT)
    smtp_server.handler.stall_seconds = 60
    system.shell(feedback_code("after a timeout"))
    worker.wait_for_log("TimeoutError")
    # When it answers again, the retried mail is delivered
    smtp_server.handler.release()
    smtp_server.wait_for(1, predicate=lambda record: "after a timeout" in body_of(record))
    assert worker.log().count("Retrying message") >= 3
    assert "failed permanently" not in worker.log()
    assert len(smtp_server.messages) == 3


def test_a_permanent_smtp_failure_fails_once_is_logged_once_and_is_never_retried(
    make_system, smtp_server, rabbitmq_vhost
):
    system = make_system(env=FAST_RETRIES)
    worker = system.start_worker()
    # Given a mail server that refuses the admin's address for good
    smtp_server.handler.refused_recipients = {"admin@example.com": "550 5.1.1 no such user"}
    # When a feedback is mailed
    system.shell(feedback_code("to a refused recipient"))
    # Then the message is dead-lettered at once (mail.XQ), not delayed for a retry
    worker.wait_for_log("failed permanently")
    rabbitmq_vhost.wait_until_empty("mail", "mail.DQ")
    assert rabbitmq_vhost.queue_depths()["mail.XQ"] == 1
    # And the server saw one try, and the worker logged one error naming the cause
    assert smtp_server.handler.rcpt_attempts == 1
    assert smtp_server.handler.attempts == 0
    log = worker.log()
    assert log.count("failed permanently") == 1
    assert "SMTP 550" in log
    assert "Retrying message" not in log


def test_a_rolled_back_signup_mails_nothing_and_a_committed_one_mails_once(system, smtp_server, rabbitmq_vhost):
    # Given a signup rolled back by its caller's transaction, then a committed one
    system.shell(
        "from django.db import transaction\n"
        "from djangobin.services.accounts import user_create\n"
        "with transaction.atomic():\n"
        "    user_create(username='gone', email='gone@example.com', password='pw-123456', site_url='http://x')\n"
        "    transaction.set_rollback(True)\n"
        "user_create(username='kept', email='kept@example.com', password='pw-123456', site_url='http://x')\n"
    )
    # Then only the committed signup put a message into RabbitMQ
    assert rabbitmq_vhost.queue_depths()["mail"] == 1
    # And a worker mails the committed one alone
    system.start_worker()
    [(recipients, message)] = smtp_server.wait_for(1)
    rabbitmq_vhost.wait_until_empty("mail", "mail.DQ")
    assert recipients == ["kept@example.com"]
    assert "http://x/activate/" in message.get_content()
    assert len(smtp_server.messages) == 1


def test_a_worker_keeps_its_smtp_connection_reopens_it_when_dropped_and_says_quit_when_it_stops(system, smtp_server):
    # Given a worker with one thread that mails three feedbacks
    worker = system.start_worker(threads=1)
    system.shell(feedback_code("kept 1", "kept 2", "kept 3"))
    smtp_server.wait_for(3)
    # Then they went over one connection
    assert len(smtp_server.handler.sessions) == 1
    assert smtp_server.handler.quits == 0
    # And when the server hangs up on it between mails (Postfix's idle timeout), the next mail still goes, at once
    smtp_server.hang_up("421 4.4.2 Error: timeout exceeded")
    system.shell(feedback_code("after the hang-up"))
    smtp_server.wait_for(4)
    assert len(smtp_server.handler.sessions) == 2
    assert "Retrying message" not in worker.log()
    # And when the worker stops (SIGTERM to its main process, which forwards it), it closes that connection politely
    worker.popen.send_signal(signal.SIGTERM)
    worker.popen.wait(timeout=30)
    smtp_server.wait_until(lambda: smtp_server.handler.quits == 1, timeout=10, what="QUIT")
