"""The baselines of bench/mail.py: a bare Dramatiq actor that sends a given mail through Django's SMTP backend.

No database, no delivery ledger, no task history, dramatiq's default middleware. With $BENCH_KEEP_CONNECTION
set, each worker thread keeps one SMTP connection (the floor); otherwise each mail opens its own, as
`EmailMessage.send()` does.
"""

import json
import os
import sys
import threading

from django.conf import settings

settings.configure(EMAIL_HOST="127.0.0.1", EMAIL_PORT=int(os.environ["BENCH_SMTP_PORT"]), EMAIL_TIMEOUT=30)

import dramatiq  # noqa: E402
from django.core.mail import EmailMessage, get_connection  # noqa: E402
from dramatiq.brokers.rabbitmq import RabbitmqBroker  # noqa: E402

dramatiq.set_broker(RabbitmqBroker(url=os.environ["RABBITMQ_URL"], confirm_delivery=True))
_kept = threading.local()


@dramatiq.actor(queue_name="mail", max_retries=3)
def send_bare_mail(subject, body, from_email, to, reply_to):
    message = EmailMessage(subject, body, from_email, to, reply_to=reply_to)
    if os.environ.get("BENCH_KEEP_CONNECTION"):
        if getattr(_kept, "connection", None) is None:
            _kept.connection = get_connection()
            _kept.connection.open()
        message.connection = _kept.connection
    message.send()


def enqueue(mails_file):
    """Queue one message per mail in `mails_file` (what bench/mail.py rendered from the project's templates)."""
    for mail in json.loads(open(mails_file).read()):  # noqa: SIM115
        send_bare_mail.send(mail["subject"], mail["body"], mail["from_email"], mail["to"], mail["reply_to"])


if __name__ == "__main__":
    enqueue(sys.argv[1])
