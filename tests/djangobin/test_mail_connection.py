import threading
import time

import pytest
from django.core.mail import EmailMessage

from djangobin.mail_connection import mail_connection_close, mail_message_send


@pytest.fixture
def smtp(settings, smtp_server):
    """The real SMTP backend, pointed at a loopback server; this thread's kept connection closed afterwards."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp_server.port, 5
    yield smtp_server
    mail_connection_close()


def mail(n):
    return EmailMessage(f"Mail {n}", f"body {n}", "site@example.com", ["admin@example.com"])


def subjects(server):
    return [message["Subject"] for _, message in server.messages]


def test_mails_sent_on_one_thread_share_one_connection(smtp):
    for n in range(3):
        mail_message_send(mail(n))
    assert subjects(smtp) == ["Mail 0", "Mail 1", "Mail 2"]
    assert len(smtp.handler.sessions) == 1


def test_each_thread_keeps_a_connection_of_its_own(smtp):
    def send_two(n):
        mail_message_send(mail(n))
        mail_message_send(mail(n + 10))
        mail_connection_close()

    threads = [threading.Thread(target=send_two, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(subjects(smtp)) == ["Mail 0", "Mail 1", "Mail 10", "Mail 11"]
    assert len(smtp.handler.sessions) == 2


@pytest.mark.parametrize("farewell", [None, "421 4.4.2 Error: timeout exceeded"], ids=["plain close", "Postfix 421"])
def test_the_next_mail_goes_on_a_new_connection_when_the_server_dropped_the_kept_one(smtp, farewell):
    mail_message_send(mail(1))
    # Given the server hangs up between mails (an idle timeout, a restart)
    smtp.hang_up(farewell)
    time.sleep(0.2)
    # When the next mail is sent, it is sent once, on a new connection
    mail_message_send(mail(2))
    assert subjects(smtp) == ["Mail 1", "Mail 2"]
    assert len(smtp.handler.sessions) == 2


def test_a_failed_mail_drops_its_connection_and_the_next_opens_a_new_one(smtp):
    from smtplib import SMTPDataError

    smtp.handler.replies = ["451 4.3.0 try again later"]
    with pytest.raises(SMTPDataError):
        mail_message_send(mail(1))
    mail_message_send(mail(2))
    assert subjects(smtp) == ["Mail 2"]
    assert len(smtp.handler.sessions) == 2


def test_a_refused_connection_is_not_retried_here_but_raised_for_the_actor_to_retry(smtp):
    smtp.stop()
    with pytest.raises(ConnectionRefusedError):
        mail_message_send(mail(1))
    smtp.start()
    mail_message_send(mail(2))
    assert subjects(smtp) == ["Mail 2"]


def test_closing_says_quit(smtp):
    mail_message_send(mail(1))
    mail_connection_close()
    smtp.wait_until(lambda: smtp.handler.quits == 1, timeout=5, what="QUIT")


ADDRESSES = [
    ("site@example.com", ["admin@example.com"]),
    ("djangobin <noreply@example.com>", ["Site Admin <admin@example.com>", "ops@example.com"]),
    ("Zoë Müller <zoe@example.com>", ["Jörg <joerg@bücher.example>"]),
]


@pytest.mark.parametrize(("sender", "recipients"), ADDRESSES, ids=["plain", "display names", "non-ASCII and IDN"])
def test_the_kept_connection_sends_the_envelope_and_headers_django_sends(smtp, sender, recipients):
    from django.core.mail import get_connection

    def message(backend=None):
        return EmailMessage("Hello", "body", sender, recipients, reply_to=[sender], connection=backend)

    for _ in range(2):  # the second time from the parsed addresses this process kept
        mail_message_send(message())
    message(get_connection()).send()
    assert smtp.handler.envelopes[0] == smtp.handler.envelopes[1] == smtp.handler.envelopes[2]
    headers = [
        {name: str(value) for name, value in sent.items() if name not in ("Date", "Message-ID")}
        for _, sent in smtp.messages
    ]
    assert headers[0] == headers[1] == headers[2]


def test_an_address_that_does_not_parse_fails_each_time(smtp):
    for _ in range(2):
        with pytest.raises(ValueError, match="Invalid address"):
            mail_message_send(EmailMessage("Hello", "body", "site@example.com", ["a@b@c"]))
    assert smtp.messages == []
