from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from djangobin.hits import hit_record
from djangobin.models import Author
from djangobin.queue import enqueue_on_commit
from djangobin.tokens import activation_token


def user_create(*, username, email, password, site_url):
    """Create an inactive account and mail its activation link once the account is committed."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=email, password=password, is_active=False)
        enqueue_on_commit("actors.mail.send_activation_mail", user.pk, site_url)
    return user


def user_signup(*, username: str, email: str, password: str, site_url: str) -> None:
    """Sign up a new account, or, when the address already has one, mail its owner that someone tried.

    Both answer alike and cost alike (one password hash, one queued mail), so the sign-up page tells nobody
    whether an address is registered.
    """
    owner = get_user_model()._default_manager.filter(email__iexact=email).order_by("pk").first()
    if owner is None:
        user_create(username=username, email=email, password=password, site_url=site_url)
        return
    make_password(password)  # the work a new account's password costs: the time taken tells nothing either
    with transaction.atomic():
        enqueue_on_commit("actors.mail.send_signup_attempt_mail", owner.pk, site_url)


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
    """Mail a fresh activation link to a never-activated account with this address; silent otherwise."""
    user = (
        get_user_model()
        ._default_manager.filter(email__iexact=email, is_active=False, author__activated_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if user is not None:
        with transaction.atomic():
            enqueue_on_commit("actors.mail.send_activation_mail", user.pk, site_url)


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


def password_reset_mail_request(*, user, site_url):
    """Queue the reset mail for `user` (Django's reset form calls this instead of sending it in the request)."""
    with transaction.atomic():
        enqueue_on_commit("actors.mail.send_password_reset_mail", user.pk, site_url)
