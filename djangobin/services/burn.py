"""Burn after reading: the first view by someone other than the author deletes the snippet."""

from djangobin.models import Snippet


def snippet_burn(*, snippet_id: int) -> bool:
    """Delete a burn-after-reading snippet; True only for the one caller whose DELETE removed the row.

    Two simultaneous first views both load the snippet, but only one DELETE finds the row (the other's
    affects none, after waiting for the first on PostgreSQL), so only one of them may show it.
    """
    _, deleted = Snippet.objects.filter(pk=snippet_id, burn_after_reading=True).delete()
    return deleted.get(Snippet._meta.label, 0) == 1
