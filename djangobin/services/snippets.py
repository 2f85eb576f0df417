import secrets
import string

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from djangobin.expiration import expires_at_for
from djangobin.fragments import snippet_lists_forget
from djangobin.hits import hit_record
from djangobin.models import Snippet
from djangobin.services.renders import snippet_render_create
from djangobin.services.tags import tags_get_or_create
from djangobin.validators import snippet_code_validate, snippet_exposure_validate, snippet_title_validate

SLUG_ALPHABET = string.ascii_letters + string.digits
SLUG_LENGTH = 10


def slug_generate():
    """A random, URL-safe, unguessable slug (62**10 possibilities)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def snippet_create(
    *,
    code,
    language,
    expiration,
    exposure,
    title="",
    tags=(),
    user=None,
    poster="",
    burn_after_reading=False,
    forked_from=None,
    detect_language=False,
):
    """Create a snippet and queue its highlighting (the `highlight_snippet` actor): the request never runs Pygments,
    and the page shows the code plain until the worker has stored its render.

    With `detect_language`, `language` is provisional: the worker guesses the language before it highlights.
    `forked_from` is the snippet this one was started from (see `snippet_fork_source_get`)."""
    snippet_code_validate(code)  # the front doors checked the same rules; this is the last word
    snippet_title_validate(title)
    snippet_exposure_validate(exposure, signed_in=user is not None)
    created_on = timezone.now()
    snippet = Snippet(
        title=title.strip(),
        original_code=code,
        language=language,
        expiration=expiration,
        exposure=exposure,
        user=user,
        created_on=created_on,
        expires_at=expires_at_for(expiration, created_on),
        poster=poster.strip(),
        burn_after_reading=burn_after_reading,
        forked_from=forked_from,
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
        snippet_lists_forget()
    return snippet


def snippet_hit(*, snippet_id: int) -> int:
    """Count a view: in the web process's buffer, flushed every few seconds (djangobin/hits.py), elsewhere with
    one atomic UPDATE; concurrent views all count either way, and nothing else is rewritten.

    Returns the views not yet in the row, this one included, for the page to add to the count it read."""
    return hit_record("snippet", snippet_id)


def snippet_delete(*, snippet, user):
    if not snippet.is_owned_by(user):
        raise PermissionDenied("Only the owner may delete a snippet.")
    snippet.delete()
    snippet_lists_forget()
