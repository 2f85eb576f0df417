"""Personal API tokens: made and revoked on the settings page, sent as `Authorization: Bearer <token>`.

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
    """Delete one of `user`'s tokens; False when it is not theirs (or already gone)."""
    deleted, _ = ApiToken.objects.filter(pk=token_id, user=user).delete()
    return bool(deleted)


def api_token_user(*, raw: str) -> AbstractBaseUser | None:
    """The active account a token belongs to, or None; notes when the token was last used."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_on=timezone.now())
    return token.user
