"""Reads: the queries behind djangobin's pages, each one query with what the page shows joined in."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404

from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.models import Language, Snippet, Tag

# List pages show titles, not code: leave the big columns in the database.
_LIST_DEFERRED = ("original_code", "highlighted_code")


def _list(queryset):
    return queryset.select_related("language", "user").defer(*_LIST_DEFERRED)


def user_for_login(login: str):
    """The account a login form names, by email address or username; None when it names none.

    An email address matches whatever its case (the oldest account, should two share one); else a username
    matches exactly, or whatever its case when only one account has it so. The email address wins over a
    username spelt like it: nobody can make someone else's address log into their own account by taking it
    as a username (the owner of such a username logs in with their email address).
    """
    users = get_user_model()._default_manager
    login = login.strip()
    if not login:
        return None
    if "@" in login:
        by_email = users.filter(email__iexact=login).order_by("pk").first()
        if by_email is not None:
            return by_email
    exact = users.filter(username=login).first()
    if exact is not None:
        return exact
    folded = list(users.filter(username__iexact=login)[:2])
    return folded[0] if len(folded) == 1 else None


def snippet_get_visible(*, slug, user):
    """The snippet at `slug` as `user` may see it; raises SnippetNotFound or SnippetExpired."""
    snippet = Snippet.objects.select_related("language", "user").filter(slug=slug).first()
    if snippet is None or not snippet.is_visible_to(user):
        raise SnippetNotFound(slug)
    if snippet.is_expired():
        raise SnippetExpired(slug)
    return snippet


def snippets_recent(*, limit=10):
    return _list(Snippet.objects.public().order_by("-created_on", "-pk"))[:limit]


def snippets_trending(*, language=None):
    snippets = Snippet.objects.public()
    if language is not None:
        snippets = snippets.filter(language=language)
    return _list(snippets.order_by("-hits", "-created_on", "-pk"))


def snippets_by_tag(*, tag):
    return _list(Snippet.objects.public().filter(tags=tag).order_by("-created_on", "-pk"))


def snippets_of_user(*, owner, viewer):
    """All of `owner`'s live snippets for the owner; only public ones for anyone else."""
    snippets = Snippet.objects.live().filter(user=owner)
    if not (viewer.is_authenticated and viewer.pk == owner.pk):
        snippets = snippets.filter(exposure="public")
    return _list(snippets.order_by("-created_on", "-pk"))


def snippets_search(*, query, user, mine=False):
    """Public snippets (or only the user's own, of every exposure) whose title or code contains `query`."""
    if mine and user.is_authenticated:
        snippets = Snippet.objects.live().filter(user=user)
    else:
        snippets = Snippet.objects.public()
    if query:
        snippets = snippets.filter(Q(title__icontains=query) | Q(original_code__icontains=query))
    return _list(snippets.order_by("-created_on", "-pk"))


def snippets_for_sitemap():
    return Snippet.objects.public().only("slug", "created_on").order_by("-created_on", "-pk")


def user_by_username_or_404(username):
    user = get_user_model()._default_manager.select_related("author").filter(username=username).first()
    if user is None:
        raise Http404("No such user.")
    return user


def languages_with_public_snippets():
    """Languages that at least one public, live snippet uses: the trending page's filter links."""
    return Language.objects.filter(pk__in=Snippet.objects.public().values("language_id")).order_by("name")


def language_by_slug_or_404(slug):
    language = Language.objects.filter(slug=slug).first()
    if language is None:
        raise Http404("No such language.")
    return language


def tag_by_slug_or_404(slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag
