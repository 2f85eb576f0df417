import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from actors import paths as actors
from delivery.outbox import enqueue_on_commit
from djangobin.hits import hit_record
from djangobin.models import Author
from djangobin.tokens import activation_token

logger = logging.getLogger(__name__)


def user_create(*, username, email, password, site_url):
    """Create an inactive account and mail its activation link once the account is committed."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=email, password=password, is_active=False)
        enqueue_on_commit(actors.SEND_ACTIVATION_MAIL, user.pk, site_url)
    return user


def user_signup(*, username: str, email: str, password: str, site_url: str) -> None:
    """Sign up a new account, or, when the address already has one, mail its owner that someone tried.

    Both answer alike and cost alike (one password hash, one queued mail), so the sign-up page tells nobody
    whether an address is registered. An address held only by never-activated accounts is not taken: anyone could
    have typed it, so those accounts are replaced by this sign-up (its username, its password), and only the
    address's owner can activate the new one.
    """
    users = get_user_model()._default_manager
    with transaction.atomic():
        # Lock the holders' Author rows first, as user_activate's claim does: an activation racing this sign-up
        # either commits before it (the address then has an owner) or finds its account replaced.
        list(Author.objects.select_for_update(of=("self",)).filter(user__email__iexact=email))
        holders = list(users.filter(email__iexact=email).order_by("pk"))
        owner = next((holder for holder in holders if not _never_activated(holder)), None)
        if owner is None:
            users.filter(pk__in=[holder.pk for holder in holders]).delete()
            user_create(username=username, email=email, password=password, site_url=site_url)
            return
    make_password(password)  # the work a new account's password costs: the time taken tells nothing either
    with transaction.atomic():
        enqueue_on_commit(actors.SEND_SIGNUP_ATTEMPT_MAIL, owner.pk, site_url)


def user_from_uidb64(uidb64):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return get_user_model()._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        return None


def _never_activated(user) -> bool:
    return not user.is_active and Author.objects.filter(user=user, activated_at__isnull=True).exists()


def user_awaiting_activation(*, uidb64: str, token: str):
    """The account an activation link names, if the link is valid and the account was never activated; else None."""
    user = user_from_uidb64(uidb64)
    if user is None or not activation_token.check_token(user, token) or not _never_activated(user):
        return None
    return user


def user_activate(*, uidb64: str, token: str):
    """Activate the account the link names, once; None when the link is invalid, used or expired.

    Only an account that was never active is activated (Author.activated_at is claimed by a conditional
    UPDATE): one an admin deactivated stays deactivated, whatever link it holds.
    """
    user = user_awaiting_activation(uidb64=uidb64, token=token)
    if user is None:
        return None
    with transaction.atomic():
        if not Author.objects.filter(user=user, activated_at__isnull=True).update(activated_at=timezone.now()):
            return None  # a concurrent POST of the same link won
        get_user_model()._default_manager.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return user


def activation_resend(*, email: str, site_url: str) -> None:
    """Queue a fresh activation link for this address, whether or not a never-activated account has it.

    The worker looks the address up (`mail.activation_mail_send_to`): the request does the same work for any
    address, so neither its answer nor its time tells whether one is registered.
    """
    with transaction.atomic():
        enqueue_on_commit(actors.SEND_ACTIVATION_MAIL_TO, email, site_url)


def author_update(*, user, default_language, default_expiration, default_exposure, private):
    Author.objects.update_or_create(
        user=user,
        defaults={
            "default_language": default_language,
            "default_expiration": default_expiration,
            "default_exposure": default_exposure,
            "private": private,
        },
    )


def author_profile_view(*, author_id: int) -> None:
    """Count a view of the author's profile by someone else, as snippet views are counted (djangobin/hits.py): no
    database write per view."""
    hit_record("profile", author_id)


def password_reset_mail_request(*, email: str, site_url: str) -> None:
    """Queue the reset mail for this address, whether or not an account has it; the worker looks it up
    (`mail.password_reset_mail_send_to`), so the request tells nothing by its answer or its time."""
    with transaction.atomic():
        enqueue_on_commit(actors.SEND_PASSWORD_RESET_MAIL_TO, email, site_url)


def users_never_activated_delete(*, now=None, batch_size: int = 500) -> int:
    """Delete the accounts never activated whose activation window (PASSWORD_RESET_TIMEOUT) has passed since they
    signed up; returns how many. Part of the nightly purge, in short transactions of `batch_size` accounts.

    An account that was ever active (Author.activated_at is set), including one an admin deactivated, is never
    deleted. Running it twice deletes nothing twice.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    stale = get_user_model()._default_manager.filter(
        is_active=False, date_joined__lt=cutoff, author__isnull=False, author__activated_at__isnull=True
    )
    deleted, after = 0, 0
    while ids := list(stale.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size]):
        after = ids[-1]
        with transaction.atomic():
            # The conditions again, in the delete itself: an account activated meanwhile is kept.
            _, per_model = stale.filter(pk__in=ids).delete()
        deleted += per_model.get(get_user_model()._meta.label, 0)
    if deleted:
        logger.info("Deleted %d account(s) never activated within the activation window.", deleted)
    return deleted
