import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from djangobin.expiration import expiration_for_lifetime, expires_at_for
from djangobin.fragments import snippet_lists_forget
from djangobin.hits import hit_record
from djangobin.models import Snippet
from djangobin.page_cache import snippet_page_forget
from djangobin.services.renders import snippet_render_create
from djangobin.services.revisions import snippet_fork_revision_create
from djangobin.services.tags import tags_get_or_create
from djangobin.validators import (
    snippet_code_validate,
    snippet_exposure_validate,
    snippet_lifetime_validate,
    snippet_title_validate,
)

SLUG_ALPHABET = string.ascii_letters + string.digits
SLUG_LENGTH = 10


def slug_generate():
    """A random, URL-safe, unguessable slug (62**10 possibilities)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def snippet_create(
    *,
    code,
    language,
    exposure,
    expiration=None,
    lifetime: timedelta | None = None,
    title="",
    tags=(),
    user=None,
    poster="",
    burn_after_reading=False,
    forked_from=None,
    detect_language=False,
    delete_key="",
):
    """Create a snippet and queue its highlighting (the `highlight_snippet` actor): the request never runs Pygments,
    and the page shows the code plain until the worker has stored its render.

    With `detect_language`, `language` is provisional: the worker guesses the language before it highlights.
    `forked_from` is the snippet this one was started from (see `snippet_fork_source_get`); a fork keeps its
    revision 1 as a row, for its diff against its source. It expires after one of the `expiration` choices, or after
    an exact `lifetime` an API client chose (one or the other). `delete_key` (see `delete_key_generate`) is the secret
    an anonymous author is shown once: only its hash is stored."""
    snippet_code_validate(code)  # the front doors checked the same rules; this is the last word
    snippet_title_validate(title)
    snippet_exposure_validate(exposure, signed_in=user is not None)
    if (expiration is None) == (lifetime is None):
        raise ValueError("give an expiration or a lifetime, not both")
    created_on = timezone.now()
    if lifetime is not None:
        snippet_lifetime_validate(lifetime)
        expiration, expires_at = expiration_for_lifetime(lifetime), created_on + lifetime
    else:
        expires_at = expires_at_for(expiration, created_on)
    snippet = Snippet(
        title=title.strip(),
        original_code=code,
        language=language,
        expiration=expiration,
        exposure=exposure,
        user=user,
        created_on=created_on,
        expires_at=expires_at,
        poster=poster.strip(),
        burn_after_reading=burn_after_reading,
        forked_from=forked_from,
        delete_key_hash=_delete_key_hash(delete_key) if delete_key else "",
    )
    with transaction.atomic():
        for _ in range(5):
            snippet.slug = slug_generate()
            try:
                with transaction.atomic():
                    snippet.save()
                break
            except IntegrityError:
                if not Snippet.objects.filter(slug=snippet.slug).exists():
                    raise
        else:
            raise IntegrityError("could not find a free snippet slug")
        snippet.tags.set(tags_get_or_create(tags))
        snippet_render_create(snippet=snippet, detect_language=detect_language)
        if forked_from is not None:
            snippet_fork_revision_create(snippet=snippet)
        snippet_lists_forget()
        if forked_from is not None:
            snippet_page_forget(snippet=forked_from)  # its fork list shows the new fork at once
    return snippet


def snippet_hit(*, snippet_id: int) -> int:
    """Count a view: in the web process's buffer, flushed every few seconds (djangobin/hits.py), elsewhere with
    one atomic UPDATE; concurrent views all count either way, and nothing else is rewritten.

    Returns the views not yet in the row, this one included, for the page to add to the count it read."""
    return hit_record("snippet", snippet_id)


def snippet_delete(*, snippet, user):
    if not snippet.is_owned_by(user):
        raise PermissionDenied("Only the owner may delete a snippet.")
    source = snippet.forked_from if snippet.forked_from_id else None
    snippet.delete()
    snippet_lists_forget()
    if source is not None:
        snippet_page_forget(snippet=source)


def delete_key_generate() -> str:
    """A new delete secret for an anonymous paste: shown to its author once, as a link; never stored itself."""
    return secrets.token_urlsafe(24)


def _delete_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def snippet_delete_key_matches(*, snippet, key: str) -> bool:
    """Whether `key` is the delete secret of `snippet` (compared by hash, in constant time)."""
    return bool(snippet.delete_key_hash) and hmac.compare_digest(snippet.delete_key_hash, _delete_key_hash(key))


def snippet_delete_with_key(*, snippet, key: str) -> None:
    """Delete an anonymous paste with the secret its author was shown once; raises PermissionDenied for a wrong one.

    Single-use: the secret goes with the row, so a second use finds nothing to delete."""
    if not snippet_delete_key_matches(snippet=snippet, key=key):
        raise PermissionDenied("That is not this snippet's delete link.")
    Snippet.objects.filter(pk=snippet.pk, delete_key_hash=snippet.delete_key_hash).delete()
    snippet_lists_forget()
    if snippet.forked_from_id:
        snippet_page_forget(snippet=snippet.forked_from)
