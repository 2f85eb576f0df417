"""Forks ("New paste from this"): which snippet a new paste may start from, and which forks a snippet's page lists.

A fork may only start from what its author could read without side effects: a private snippet of someone else is
not found, and a burn-after-reading one may be forked by its author only (anyone else would read it unburnt).
"""

from collections.abc import Collection

from django.db.models import Q, QuerySet

from djangobin.exceptions import SnippetNotFound
from djangobin.models import Exposure, Snippet
from djangobin.selectors import snippet_get_visible
from djangobin.services.burn import snippet_read_burns


def snippet_fork_source_get(*, slug: str, user, authored_slugs: Collection[str] = ()) -> Snippet:
    """The snippet at `slug` that `user` may start a new paste from; raises SnippetNotFound or SnippetExpired.

    `authored_slugs` are the burn-after-reading snippets this browser wrote anonymously (kept in its session)."""
    snippet = snippet_get_visible(slug=slug, user=user)
    if snippet_read_burns(snippet=snippet, user=user, authored_slugs=authored_slugs):
        raise SnippetNotFound(slug)
    return snippet


def snippet_forks_visible(*, snippet: Snippet, user) -> QuerySet[Snippet]:
    """The live forks of `snippet` that its page lists to `user`: public ones, and `user`'s own of any kind; never
    someone else's private, unlisted or burn-after-reading fork."""
    shown = Q(exposure=Exposure.PUBLIC, burn_after_reading=False)
    if user.is_authenticated:
        shown |= Q(user=user)
    return (
        Snippet.objects.live()
        .filter(shown, forked_from=snippet)
        .select_related("user")
        .only("slug", "title", "created_on", "exposure", "user__username")
        .order_by("-created_on", "-pk")
    )


def snippet_fork_source_shown(*, snippet: Snippet, user) -> Snippet | None:
    """The snippet `snippet` was forked from, when its page may link to it for `user` (by the rule of
    `snippet_forks_visible`: public, or `user`'s own); None otherwise."""
    if snippet.forked_from_id is None:
        return None
    fields = ("slug", "title", "exposure", "burn_after_reading", "user")
    source = Snippet.objects.live().filter(pk=snippet.forked_from_id).only(*fields).first()
    if source is None or not (
        source.is_owned_by(user) or (source.exposure == Exposure.PUBLIC and not source.burn_after_reading)
    ):
        return None
    return source
