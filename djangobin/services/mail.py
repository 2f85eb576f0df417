"""Rendering and sending the site's mail; run by workers, never in a request."""

import functools
import logging
import smtplib
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import BadHeaderError, EmailMessage
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from delivery import ledger
from djangobin.exceptions import PermanentMailError, TransientMailError
from djangobin.mail_connection import mail_message_send
from djangobin.models import Author, Feedback
from djangobin.tokens import activation_token

logger = logging.getLogger(__name__)


def _smtp_code_error(code, error):
    if 400 <= code < 500:
        return TransientMailError(f"SMTP {code}: {error}")
    return PermanentMailError(f"SMTP {code}: {error}")


def mail_deliver(message):
    """Send one EmailMessage on this thread's kept SMTP connection, sorting failures into transient (retry) and
    permanent (give up) ones."""
    try:
        mail_message_send(message)
    except BadHeaderError as error:
        raise PermanentMailError(f"bad header: {error}") from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise _smtp_code_error(min(codes), error.recipients) from error
    except smtplib.SMTPResponseException as error:
        raise _smtp_code_error(error.smtp_code, error.smtp_error) from error
    except smtplib.SMTPServerDisconnected as error:
        raise TransientMailError(f"server disconnected: {error}") from error
    except smtplib.SMTPException as error:
        raise PermanentMailError(f"{type(error).__name__}: {error}") from error
    except OSError as error:  # refused connection, timeout, unreachable host
        raise TransientMailError(f"{type(error).__name__}: {error}") from error


def _render(template_prefix, context):
    subject = " ".join(render_to_string(f"djangobin/email/{template_prefix}_subject.txt", context).split())
    body = render_to_string(f"djangobin/email/{template_prefix}_email.txt", context)
    return subject, body


def _user_link_context(user, site_url, url_name, token):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return {
        "user": user,
        "username": user.get_username(),
        "site_url": site_url,
        "link": site_url + reverse(url_name, args=[uid, token]),
    }


def activation_mail_send(*, user_id, site_url):
    """Mail the activation link; nothing to do for an account that is gone or was ever active."""
    user = get_user_model()._default_manager.filter(pk=user_id, author__activated_at__isnull=True).first()
    if user is None or user.is_active:
        logger.info("No activation mail for user %s: the account is gone or was activated before.", user_id)
        return False
    _activation_mail_deliver(user, site_url)
    return True


def activation_mail_send_to(*, email: str, site_url: str) -> bool:
    """Mail a fresh activation link to the never-activated account with this address (the oldest, should two have
    it); mail nobody when none has it, so the request that asked could not tell either way."""
    user = (
        get_user_model()
        ._default_manager.filter(email__iexact=email, is_active=False, author__activated_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        logger.info("No activation mail: no account awaiting activation has the address asked for.")
        return False
    _activation_mail_deliver(user, site_url)
    return True


def _activation_mail_deliver(user, site_url):
    context = _user_link_context(user, site_url, "djangobin:activate", activation_token.make_token(user))
    subject, body = _render("activation", context)
    mail_deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))


def signup_attempt_mail_send(*, user_id, site_url):
    """Tell an account's owner that someone signed up with their address, with the links they may need.

    A never-activated account is not an owner (the sign-up replaced it, see accounts.user_signup): a message
    queued for one before that rule is dropped.
    """
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    never_activated = user is not None and not user.is_active and not _ever_activated(user)
    if user is None or never_activated:
        logger.info("No sign-up attempt mail for user %s: the account is gone or was never activated.", user_id)
        return False
    context = {
        "username": user.get_username(),
        "site_url": site_url,
        "login_link": site_url + reverse("djangobin:login"),
        "reset_link": site_url + reverse("djangobin:password_reset"),
    }
    subject, body = _render("signup_attempt", context)
    mail_deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return True


def _ever_activated(user):
    return Author.objects.filter(user=user, activated_at__isnull=False).exists()


def password_reset_mail_send(*, user_id, site_url):
    """Mail a password-reset link to an active user; the token is made here, so no message carries one."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        logger.info("No reset mail for user %s: the account is gone, inactive or has no password.", user_id)
        return False
    _password_reset_mail_deliver(user, site_url)
    return True


def password_reset_mail_send_to(*, email: str, site_url: str) -> int:
    """Mail a password-reset link to each active account with this address and a usable password (the accounts
    Django's reset form would mail); returns how many, 0 when none has it, so the request that asked could not tell
    either way."""
    users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True).order_by("pk")
    matching = [user for user in users if user.has_usable_password() and _same_address(email, user.email)]
    if not matching:
        logger.info("No reset mail: no active account with a password has the address asked for.")
    for user in matching:
        _password_reset_mail_deliver(user, site_url)
    return len(matching)


def _same_address(one, other):
    """Equal whatever their case, as Django's reset form compares them: the database's case-insensitive match can
    pair two different addresses (CVE-2019-19844), and the mail must go only to the address asked for."""
    return unicodedata.normalize("NFKC", one).casefold() == unicodedata.normalize("NFKC", other).casefold()


def _password_reset_mail_deliver(user, site_url):
    token = default_token_generator.make_token(user)
    context = _user_link_context(user, site_url, "djangobin:password_reset_confirm", token)
    subject, body = _render("password_reset", context)
    mail_deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))


def feedback_recipients() -> list[str]:
    """DJANGO_ADMINS; in development with none set, the active superusers (whom `make superuser` creates)."""
    if settings.ADMINS:
        return [address for _, address in settings.ADMINS]
    if not settings.DEBUG:
        return []
    superusers = get_user_model()._default_manager.filter(is_superuser=True, is_active=True).exclude(email="")
    return list(superusers.order_by("pk").values_list("email", flat=True))


def feedback_mail_render(feedback):
    """The feedback mail's subject and body. Its date is formatted here: Django's `date` filter cost twice as much as
    the rest of the template."""
    created = timezone.localtime(feedback.created_on).strftime("%Y-%m-%d %H:%M:%S %Z")
    return _render("feedback", {"feedback": feedback, "created": created})


def feedback_mail_send(*, feedback_id):
    """Mail a contact-form message to ADMINS, once: a feedback already mailed is skipped."""
    feedback = _feedback_unmailed(feedback_id)
    if feedback is None:
        logger.info("No feedback mail for %s: it is gone or was mailed already.", feedback_id)
        return False
    recipients = feedback_recipients()
    if not recipients:
        nobody = " and no active superuser has an email address" if settings.DEBUG else ""
        raise PermanentMailError(f"DJANGO_ADMINS is empty{nobody}: there is nobody to mail feedback to.")
    subject, body = feedback_mail_render(feedback)
    mail_deliver(
        EmailMessage(
            settings.EMAIL_SUBJECT_PREFIX + subject, body, settings.SERVER_EMAIL, recipients, reply_to=[feedback.email]
        )
    )
    _feedback_mark_mailed(feedback.pk)
    return True


# The feedback mail's two queries in plain SQL on the model's names: the ORM compiled them anew for every mail, a
# large share of a mail's CPU in the worker (docs/benchmarks.md, "Mail drain", says where a mail's CPU goes).
@functools.cache
def _feedback_statements(vendor):
    """The feedback's read and its `mailed_at` update, for the database backend `vendor` (quoting differs)."""
    meta, quote = Feedback._meta, connection.ops.quote_name
    names = {
        "columns": ", ".join(quote(field.column) for field in meta.concrete_fields),
        "table": quote(meta.db_table),
        "id": quote(meta.pk.column),
        "mailed_at": quote(meta.get_field("mailed_at").column),
    }
    read = "SELECT {columns} FROM {table} WHERE {id} = %s AND {mailed_at} IS NULL".format(**names)  # noqa: S608
    mark = "UPDATE {table} SET {mailed_at} = %s WHERE {id} = %s AND {mailed_at} IS NULL".format(**names)  # noqa: S608
    return read, mark


def _feedback_from_row(db, row):
    """The Feedback a row of its concrete columns holds, each value converted as the ORM converts it."""
    fields = Feedback._meta.concrete_fields
    values = []
    for field, value in zip(fields, row, strict=True):
        column = field.get_col(Feedback._meta.db_table)
        for convert in (*db.ops.get_db_converters(column), *field.get_db_converters(db)):
            value = convert(value, column, db)
        values.append(value)
    return Feedback.from_db(db.alias, [field.attname for field in fields], values)


def _feedback_unmailed(feedback_id):
    """The feedback, or None if it is gone or was mailed already."""
    db = connections[DEFAULT_DB_ALIAS]
    read, _ = _feedback_statements(db.vendor)
    with db.cursor() as cursor:
        cursor.execute(read, [feedback_id])
        row = cursor.fetchone()
    return None if row is None else _feedback_from_row(db, row)


def _feedback_mark_mailed(feedback_id):
    """Goes with the delivery ledger's record of the mail when a worker sends it (`ledger.write_with_record`)."""
    db = connections[DEFAULT_DB_ALIAS]
    _, mark = _feedback_statements(db.vendor)
    ledger.write_with_record(mark, [db.ops.adapt_datetimefield_value(timezone.now()), feedback_id])
