"""Reads: the queries behind djangobin's pages, each one query with what the page shows joined in."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.highlight import line_numbers, plain_html
from djangobin.hits import hits_unflushed
from djangobin.lexers import lexer_aliases_for_filename
from djangobin.models import ApiToken, Author, Language, Snippet, SnippetRender, Tag
from djangobin.search.excerpt import EXCERPT_SOURCE, excerpt_html, query_pattern, title_html
from djangobin.search.index import snippet_ids_matching
from djangobin.search.syntax import Query, parse_query

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
    # No ordering and no join: one row by a unique key, whose language nobody reads through it.
    return next(iter(Author.objects.filter(user=user)[:1]), None) or Author(user=user)


def author_views_current(author: Author) -> int:
    """The profile's views as its owner sees them: the stored count and this process's unflushed ones."""
    if author.pk is None:
        return 0
    return author.views + hits_unflushed("profile", [author.pk]).get(author.pk, 0)


def snippets_with_current_hits(snippets) -> list[Snippet]:
    """`snippets` (a list page's) with this process's unflushed views added to each stored count, as the snippet
    page adds them to its own: without it a list showed a paste's hits up to a flush interval behind its page."""
    snippets = list(snippets)
    unflushed = hits_unflushed("snippet", [snippet.pk for snippet in snippets])
    for snippet in snippets:
        snippet.hits += unflushed.get(snippet.pk, 0)
    return snippets


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


def snippet_get_embeddable(*, slug):
    """The snippet at `slug` as another site may frame it, whoever the viewer: public or unlisted, and never
    burn-after-reading (a frame would burn it, or show it without burning). Raises SnippetNotFound for a private
    or burn-after-reading one, as for none, and SnippetExpired once it has expired."""
    snippet = snippet_get_visible(slug=slug, user=AnonymousUser())
    if snippet.burn_after_reading:
        raise SnippetNotFound(slug)
    return snippet


@dataclass(frozen=True)
class CodeView:
    """The code as the snippet page shows it: escaped HTML (highlighted, or plain until then), the gutter's line
    numbers, whether a render is still coming, and why the code is plain if it is."""

    html: str
    line_numbers: str
    pending: bool
    note: str
    document: str = ""  # a Markdown paste's rendered, sanitised HTML (djangobin/markdown.py)


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
        return CodeView(html=render.html, line_numbers=lines, pending=False, note="", document=render.document)
    pending = render is None or render.state == SnippetRender.State.PENDING
    note = PENDING_NOTE if pending else render.note
    document = "" if pending else render.document
    return CodeView(
        html=plain_html(snippet.original_code), line_numbers=lines, pending=pending, note=note, document=document
    )


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


def snippets_search(*, query: str, user, mine: bool = False) -> Sequence:
    """The live snippets `query` finds (see djangobin/search/syntax.py), best match first and at most
    search.index.SEARCH_RESULTS of them: public ones and the user's own of every exposure, or with `mine` only the
    user's own. Each carries `title_html` and `excerpt_html`, its terms marked. Raises SearchQueryError for a query
    that searches nothing (the search form refuses those first)."""
    parsed = parse_query(query)
    viewer_id = user.pk if user.is_authenticated else None
    matches = snippet_ids_matching(
        parsed, now=timezone.now(), viewer_id=viewer_id, only_viewer=bool(mine and viewer_id)
    )
    return _SearchResults(matches.ids, parsed, cut=matches.cut)


class _SearchResults(Sequence):
    """Snippets by id, in the given order, loaded a slice at a time (a paginator reads only the page it shows),
    each with its title and excerpt marked; `cut` when only the newest candidates were searched."""

    def __init__(self, ids: list[int], query: Query, *, cut: bool = False):
        self.ids = ids
        self.cut = cut
        self.pattern = query_pattern(query)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.ids[index]
        found = _list(Snippet.objects.filter(pk__in=ids)).annotate(head=Substr("original_code", 1, EXCERPT_SOURCE))
        found = found.in_bulk()
        snippets = [found[pk] for pk in ids if pk in found]
        for snippet in snippets:
            snippet.title_html = title_html(snippet.display_title, self.pattern)
            snippet.excerpt_html = excerpt_html(snippet.head, self.pattern)
        return snippets


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
    """The language a Pygments alias names ("py" finds Python through Pygments' aliases); Plain Text for no alias.

    Raises Language.DoesNotExist when the site has no language by that alias."""
    alias = alias.strip().lower().replace("\x00", "")  # PostgreSQL cannot even compare a NUL
    languages = Language.objects.all()
    if not alias:
        return languages.get(lang_code="text")
    language = languages.filter(lang_code=alias).first()
    if language is None:
        try:
            aliases = get_lexer_by_name(alias).aliases
        except ClassNotFound:
            raise Language.DoesNotExist(alias) from None
        language = languages.filter(lang_code__in=aliases).first()
    if language is None:
        raise Language.DoesNotExist(alias)
    return language


def language_for_filename(filename: str) -> Language | None:
    """The language Pygments picks for a file of this name ("setup.py", "Dockerfile"), or None."""
    aliases = lexer_aliases_for_filename(filename)
    return Language.objects.filter(lang_code__in=aliases).first() if aliases else None


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
