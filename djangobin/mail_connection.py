"""One SMTP connection per worker thread, kept open from mail to mail and opened again when the server dropped it.

A new connection per mail (what `EmailMessage.send()` does) costs a TCP handshake, the greeting, EHLO and QUIT:
more than the mail itself. Only the SMTP backend keeps one; other backends (console, locmem) send as before.
"""

import smtplib
import threading
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

_local = threading.local()


def _settings_key():
    """What the kept connection was opened with: a change (a test's override) opens a new one."""
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_HOST_PASSWORD,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
        settings.EMAIL_TIMEOUT,
    )


# The same sender and ADMINS are on most mails, and Django parses each address anew with the email package's header
# parser, a slow one (docs/benchmarks.md, "Mail drain"). The result depends on nothing but the arguments.
_sanitized = lru_cache(maxsize=512)(sanitize_address)


class _KeptBackend(smtp.EmailBackend):
    """Django's SMTP backend, with each distinct address parsed once per process (its `_send`, otherwise unchanged)."""

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitized(email_message.from_email, encoding)
        recipients = [_sanitized(address, encoding) for address in email_message.recipients()]
        message = email_message.message()
        try:
            self.connection.sendmail(from_email, recipients, message.as_bytes(linesep="\r\n"))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def _dropped(error: Exception) -> bool:
    """Whether `error` says the server had ended the connection (an idle timeout, a restart): Postfix answers the
    next command with 421 and hangs up; others just close, which smtplib reports as a disconnect."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionResetError | BrokenPipeError)


def _discard(backend) -> None:
    """Drop a connection in an unknown state without a QUIT, which could wait EMAIL_TIMEOUT on a stalled server."""
    for connection in (backend.connection, backend._partial_connection):
        if connection is not None:
            connection.close()
    backend.connection = backend._partial_connection = None


def _kept_backend():
    key = _settings_key()
    kept = getattr(_local, "kept", None)
    if kept is not None and kept[0] != key:
        mail_connection_close()
        kept = None
    if kept is None:
        kept = _local.kept = (key, _KeptBackend(fail_silently=False))
    return kept[1]


def _send_on(backend, message: EmailMessage) -> None:
    try:
        backend.open()
        backend.send_messages([message])
    except BaseException:
        _discard(backend)
        raise


def mail_message_send(message: EmailMessage) -> None:
    """Send `message` on this thread's kept SMTP connection, opening it if needed; raise what sending raised.

    A kept connection the server dropped fails on its next command, usually MAIL FROM before any mail data: the
    message is then sent again at once on a new connection, as a retry would. Any failure discards the connection;
    one on a new connection is the caller's to handle.
    """
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        message.send(fail_silently=False)
        return
    backend = _kept_backend()
    reused = backend.connection is not None
    try:
        _send_on(backend, message)
    except Exception as error:
        if not (reused and _dropped(error)):
            raise
        _send_on(backend, message)


def mail_connection_close() -> None:
    """Say QUIT on this thread's kept connection, if any (when a worker thread stops)."""
    kept = getattr(_local, "kept", None)
    _local.kept = None
    if kept is not None:
        backend = kept[1]
        try:
            backend.close()
        except (OSError, smtplib.SMTPException):
            _discard(backend)
