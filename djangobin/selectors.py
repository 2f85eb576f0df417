"""Reads: the queries behind djangobin's pages, each one query with what the page shows joined in."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.highlight import line_numbers, plain_html
from djangobin.models import ApiToken, Author, Language, Snippet, SnippetRender, Tag
from djangobin.search import search_terms, snippet_ids_matching

# List pages show titles, not code: leave the big column in the database (renders are a table apart).
_LIST_DEFERRED = ("original_code",)
PENDING_NOTE = "Highlighting is on its way: the code is shown as plain text until then."


def _list(queryset):
    return queryset.select_related("language", "user").defer(*_LIST_DEFERRED)


def user_for_login(login: str):
    """The account a login form names, by email address or username; None when it names none.

    An email address matches an active account whatever its case (the oldest, should two share one); else a
    username matches exactly, or whatever its case when only one account has it so. The email address of an active
    account wins over a username spelt like it: nobody can make someone else's address log into their own account by
    taking it as a username (the owner of such a username logs in with their email address). A pending account's
    address does not: anyone can sign up with any address, and that must not lock a username's owner out.
    """
    users = get_user_model()._default_manager
    login = login.strip()
    if not login:
        return None
    if "@" in login:
        by_email = users.filter(email__iexact=login, is_active=True).order_by("pk").first()
        if by_email is not None:
            return by_email
    exact = users.filter(username=login).first()
    if exact is not None:
        return exact
    folded = list(users.filter(username__iexact=login)[:2])
    return folded[0] if len(folded) == 1 else None


def username_freed_by_signup(*, username: str, email: str) -> bool:
    """True when `username` is taken only by accounts never activated that have `email`: a sign-up with that address
    replaces them (accounts.user_signup), so it may take their username too."""
    holders = get_user_model()._default_manager.filter(username__iexact=username)
    replaced = holders.filter(email__iexact=email, is_active=False, author__activated_at__isnull=True)
    return holders.exists() and holders.count() == replaced.count()


def author_of(user) -> Author:
    """`user`'s profile: the row a signal gives every account, or an unsaved one with the defaults (a page view
    writes nothing, so a missing row is not made here). A user loaded with its profile (user_by_username_or_404)
    costs no query."""
    if get_user_model().author.is_cached(user):
        return getattr(user, "author", None) or Author(user=user)
    return Author.objects.filter(user=user).select_related("default_language").first() or Author(user=user)


def paste_defaults(user) -> dict:
    """What a new paste starts with for `user`: their account's defaults; nothing for a visitor."""
    if not user.is_authenticated:
        return {}
    author = author_of(user)
    return {
        "language": author.default_language_id,
        "expiration": author.default_expiration,
        "exposure": author.default_exposure,
    }


def snippet_get_visible(*, slug, user):
    """The snippet at `slug` as `user` may see it; raises SnippetNotFound or SnippetExpired."""
    snippet = Snippet.objects.select_related("language", "user").filter(slug=slug).first()
    if snippet is None or not snippet.is_visible_to(user):
        raise SnippetNotFound(slug)
    if snippet.is_expired():
        raise SnippetExpired(slug)
    return snippet


@dataclass(frozen=True)
class CodeView:
    """The code as the snippet page shows it: escaped HTML (highlighted, or plain until then), the gutter's line
    numbers, whether a render is still coming, and why the code is plain if it is."""

    html: str
    line_numbers: str
    pending: bool
    note: str


def snippet_render_get(*, snippet_id):
    return SnippetRender.objects.filter(snippet_id=snippet_id).first()


def snippet_code_view(*, snippet):
    # A render loaded with the snippet (burn after reading loads it before the row and its render are deleted).
    if Snippet.render.is_cached(snippet):
        render = getattr(snippet, "render", None)
    else:
        render = snippet_render_get(snippet_id=snippet.pk)
    lines = line_numbers(snippet.original_code)
    if render is not None and render.state == SnippetRender.State.HIGHLIGHTED:
        return CodeView(html=render.html, line_numbers=lines, pending=False, note="")
    pending = render is None or render.state == SnippetRender.State.PENDING
    note = PENDING_NOTE if pending else render.note
    return CodeView(html=plain_html(snippet.original_code), line_numbers=lines, pending=pending, note=note)


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
    snippets = Snippet.objects.listed().filter(user=owner)
    if not (viewer.is_authenticated and viewer.pk == owner.pk):
        snippets = snippets.filter(exposure="public")
    return _list(snippets.order_by("-created_on", "-pk"))


def snippets_search(*, query: str, user, mine: bool = False):
    """Public live snippets (or only the user's own, of every exposure) containing every word of `query`, best
    match first and at most search.SEARCH_RESULTS of them (see djangobin/search.py); with no words in `query`,
    the newest ones."""
    owner_id = user.pk if mine and user.is_authenticated else None
    terms = search_terms(query)
    if not terms:
        snippets = Snippet.objects.listed().filter(user_id=owner_id) if owner_id else Snippet.objects.public()
        return _list(snippets.order_by("-created_on", "-pk"))
    return _SnippetsInOrder(snippet_ids_matching(terms, now=timezone.now(), owner_id=owner_id))


class _SnippetsInOrder(Sequence):
    """Snippets by id, in the given order, loaded a slice at a time: a paginator reads only the page it shows."""

    def __init__(self, ids):
        self.ids = ids

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.ids[index]
        found = _list(Snippet.objects.filter(pk__in=ids)).in_bulk()
        return [found[pk] for pk in ids if pk in found]


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


def language_for_syntax(*, alias: str) -> Language:
    """The language a Pygments alias names ("py" finds Python through Pygments' aliases); Plain Text otherwise."""
    alias = alias.strip().lower().replace("\x00", "")  # PostgreSQL cannot even compare a NUL
    languages = Language.objects.all()
    language = languages.filter(lang_code=alias).first() if alias else None
    if language is None and alias:
        try:
            aliases = get_lexer_by_name(alias).aliases
        except ClassNotFound:
            aliases = []
        language = languages.filter(lang_code__in=aliases).first()
    return language or languages.get(lang_code="text")


def syntax_choices() -> dict[str, str]:
    """{Pygments alias: language name} for every language the site stores."""
    return dict(Language.objects.order_by("name").values_list("lang_code", "name"))


def language_by_slug_or_404(slug):
    language = Language.objects.filter(slug=slug).first()
    if language is None:
        raise Http404("No such language.")
    return language


def tag_by_slug_or_404(slug: str) -> Tag:
    """The tag at `slug` if a public, live snippet carries it: a tag only hidden or expired snippets carry
    answers 404 exactly as an unknown one, so its name (maybe itself a secret) is never confirmed."""
    tag = Tag.objects.filter(slug=slug).filter(Exists(Snippet.objects.public().filter(tags=OuterRef("pk")))).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def api_tokens_of_user(*, user) -> QuerySet[ApiToken]:
    """The tokens that still work."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


ENDED_TOKENS_SHOWN = 20


def api_tokens_ended_of_user(*, user) -> QuerySet[ApiToken]:
    """The tokens that ended, most recently ended first: enough to tell which programs need a new one."""
    ended = ApiToken.objects.filter(user=user, revoked_at__isnull=False)
    return ended.order_by("-revoked_at", "-pk")[:ENDED_TOKENS_SHOWN]
