"""Mail actors. Transient SMTP failures retry with backoff capped at 10 minutes; permanent ones fail once.

Each mails at most once per message id (delivery.ledger), so a redelivered message does not mail twice.
"""

import logging
from contextlib import contextmanager

import dramatiq
from django.conf import settings

from delivery.ledger import lease_covering, once_per_message
from djangobin.exceptions import PermanentMailError
from djangobin.services import mail

logger = logging.getLogger(__name__)

# 15 s, 30 s, 1 min … then every 10 min: 12 retries span about 1 h 15 min of an unreachable mail server.
# The 10-minute cap also keeps a delayed retry far below RabbitMQ's 30-minute consumer_timeout.
MAIL_OPTIONS = {
    "queue_name": "mail",
    "max_retries": 12,
    "min_backoff": settings.MAIL_RETRY_MIN_BACKOFF_MS,
    "max_backoff": 600_000,
    "time_limit": 120_000,
    "throws": (PermanentMailError,),
}

# How long one attempt holds a message against a concurrent copy: derived from the time limit, so a copy never takes
# over an attempt still running, however many SMTP commands each take up to EMAIL_TIMEOUT.
MAIL_LEASE_SECONDS = lease_covering(
    time_limit_ms=MAIL_OPTIONS["time_limit"], blocking_call_timeout=settings.EMAIL_TIMEOUT
)


@contextmanager
def _logged_if_permanent(what):
    try:
        yield
    except PermanentMailError as error:
        logger.error("%s failed permanently, not retrying: %s", what, error)
        raise


@dramatiq.actor(**MAIL_OPTIONS)
@once_per_message(lease=MAIL_LEASE_SECONDS)
def send_activation_mail(user_id, site_url):
    """Mail a new account its activation link (sign-up queues this with the new account's id)."""
    with _logged_if_permanent(f"Activation mail for user {user_id}"):
        mail.activation_mail_send(user_id=user_id, site_url=site_url)


@dramatiq.actor(**MAIL_OPTIONS)
@once_per_message(lease=MAIL_LEASE_SECONDS)
def send_activation_mail_to(email: str, site_url: str) -> None:
    """Mail a fresh activation link to the account awaiting activation with this address, if one has it (the
    resend form queues this for any address, so that it tells nobody which are registered)."""
    with _logged_if_permanent("Activation mail resent"):
        mail.activation_mail_send_to(email=email, site_url=site_url)


@dramatiq.actor(**MAIL_OPTIONS)
@once_per_message(lease=MAIL_LEASE_SECONDS)
def send_feedback_mail(feedback_id):
    """Mail a contact-form message to the site's ADMINS."""
    with _logged_if_permanent(f"Feedback mail {feedback_id}"):
        mail.feedback_mail_send(feedback_id=feedback_id)


@dramatiq.actor(**MAIL_OPTIONS)
@once_per_message(lease=MAIL_LEASE_SECONDS)
def send_password_reset_mail(user_id, site_url):
    """Mail a password-reset link to one account; kept for messages queued by id before the reset form queued
    `send_password_reset_mail_to`."""
    with _logged_if_permanent(f"Password-reset mail for user {user_id}"):
        mail.password_reset_mail_send(user_id=user_id, site_url=site_url)


@dramatiq.actor(**MAIL_OPTIONS)
@once_per_message(lease=MAIL_LEASE_SECONDS)
def send_password_reset_mail_to(email: str, site_url: str) -> None:
    """Mail a password-reset link to each active account with this address, if any (the reset form queues this for
    any address, so that it tells nobody which are registered)."""
    with _logged_if_permanent("Password-reset mail by address"):
        mail.password_reset_mail_send_to(email=email, site_url=site_url)


@dramatiq.actor(**MAIL_OPTIONS)
@once_per_message(lease=MAIL_LEASE_SECONDS)
def send_signup_attempt_mail(user_id: int, site_url: str) -> None:
    """Tell an account's owner that someone tried to sign up with their address (the sign-up page does not)."""
    with _logged_if_permanent(f"Sign-up attempt mail for user {user_id}"):
        mail.signup_attempt_mail_send(user_id=user_id, site_url=site_url)
