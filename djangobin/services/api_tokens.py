"""Personal API tokens: made and revoked on the settings page, sent as `Authorization: Bearer <token>`.

Every token of an account ends when its password is changed or reset (see djangobin/signals.py), as its sessions do.

A token is 32 random bytes, so a plain SHA-256 of it is enough to store (no salt or slow hash needed: nothing
guessable goes in). The token itself is shown once, when made, and never again.
"""

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from djangobin.models import ApiToken

TOKEN_PREFIX = "dbin_"  # noqa: S105  (a marker that makes a leaked token recognisable, not a secret)
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself, which only this call ever sees."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip(), key_hash=_hash(raw), prefix=raw[:SHOWN_PREFIX_LENGTH])
    return token, raw


def api_token_revoke(*, user: AbstractBaseUser, token_id: int) -> bool:
    """End one of `user`'s live tokens; False when it is not theirs (or already ended)."""
    ended = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=ApiToken.EndReason.OWNER
    )
    return bool(ended)


def api_tokens_end_for_password(*, user: AbstractBaseUser) -> int:
    """End every live token of `user` because their password changed: whoever had the old password may have made
    or copied a token, and a reset must lock them out of the API as it does out of the site. Returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=ApiToken.EndReason.PASSWORD
    )


def api_token_user(*, raw: str) -> AbstractBaseUser | None:
    """The active account a live token belongs to, or None; notes when the token was last used."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_on=timezone.now())
    return token.user
