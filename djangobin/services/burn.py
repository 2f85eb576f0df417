"""Burn after reading: the first view by someone other than the author deletes the snippet.

Who is the author is decided here, once: the account that owns the snippet, or, for one pasted anonymously, the
browser that pasted it (the slugs its session remembers). Pages, raw, download, render and forks all ask this.
"""

from collections.abc import Collection

from djangobin.models import Snippet


def snippet_is_author(*, snippet: Snippet, user, authored_slugs: Collection[str] = ()) -> bool:
    """Whether the reader wrote `snippet`: its owner, or the browser whose session remembers pasting it."""
    return snippet.is_owned_by(user) or snippet.slug in authored_slugs


def snippet_read_burns(*, snippet: Snippet, user, authored_slugs: Collection[str] = ()) -> bool:
    """Whether this reader's read of `snippet` burns it: a burn-after-reading snippet read by anyone but its author
    (who may read, fork and re-read it freely)."""
    return snippet.burn_after_reading and not snippet_is_author(
        snippet=snippet, user=user, authored_slugs=authored_slugs
    )


def snippet_burn(*, snippet_id: int) -> bool:
    """Delete a burn-after-reading snippet; True only for the one caller whose DELETE removed the row.

    Two simultaneous first views both load the snippet, but only one DELETE finds the row (the other's
    affects none, after waiting for the first on PostgreSQL), so only one of them may show it.
    """
    _, deleted = Snippet.objects.filter(pk=snippet_id, burn_after_reading=True).delete()
    return deleted.get(Snippet._meta.label, 0) == 1
