"""The lists of snippets: trending (all, or one language), a tag's, a profile's, and search results.

Each list is rendered once for every visitor and kept a few seconds (djangobin/fragments.py); a view still runs its
own checks each time (the tag or profile exists, the profile is not hidden, the view counts)."""

import hashlib
import re

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from djangobin import fragments, http_cache, selectors
from djangobin.forms import SearchForm
from djangobin.models import Tag
from djangobin.ratelimits import ratelimited_reads
from djangobin.search.index import SEARCH_RESULTS
from djangobin.services import accounts

# Pages past this are rendered for whoever asks, not kept: a crawler walking every page fills no cache.
KEPT_PAGES = 50
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")  # ASCII only: str.isdigit() takes "⑴", which int() refuses
SEARCH_PARAMS = ("query", "mysnippet")
EMPTY_TRENDING = "No public snippets yet: be the first to paste one."
EMPTY_TRENDING_LANGUAGE = "No public snippets in this language yet."


def _page(request, snippets):
    page = Paginator(snippets, settings.SNIPPETS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.snippets_with_current_hits(page.object_list)
    return page


def _page_kept(request, params=()) -> str | None:
    """What names a kept list in the query string: the page number (up to KEPT_PAGES; 1 when none is given) and,
    hashed, the `params` the view reads. None when the query string holds anything else, which would show in the
    list's links: such a list is rendered for its request."""
    query = request.GET.copy()
    number = query.pop("page", ["1"])[-1]
    if not (PAGE_NUMBER.fullmatch(number) and int(number) <= KEPT_PAGES) or any(name not in params for name in query):
        return None
    if not query:
        return str(int(number))
    return f"{hashlib.sha256(query.urlencode().encode()).hexdigest()}:{int(number)}"


def _listing(
    request, *, key, snippets, template="djangobin/includes/snippet_list.html", private=False, params=(), **context
):
    """The list's HTML: kept under `key` (fragments.list_part_get) unless its query string makes it one of a
    kind. `snippets` is called only when the list is rendered, so a kept list costs no query."""

    def build():
        page = _page(request, snippets())
        return render_to_string(template, {**context, "page": page, "request": request})

    kept = _page_kept(request, params)
    html = build() if kept is None else fragments.list_part_get(key=f"{key}:{kept}", build=build, private=private)
    return mark_safe(html)  # noqa: S308 (a template's output, escaped by it)


@http_cache.shared
def trending_snippets(request, language_slug=None):
    language = selectors.language_by_slug_or_404(language_slug) if language_slug else None
    chips = fragments.list_part_get(
        key=f"trending-languages:{language.pk if language else ''}",
        build=lambda: render_to_string(
            "djangobin/includes/language_chips.html",
            {"language": language, "languages": selectors.languages_with_public_snippets()},
        ),
    )
    listing = _listing(
        request,
        key=f"trending:{language.pk if language else ''}",
        snippets=lambda: selectors.snippets_trending(language=language),
        empty=EMPTY_TRENDING_LANGUAGE if language else EMPTY_TRENDING,
    )
    context = {"language": language, "chips": mark_safe(chips), "listing": listing}  # noqa: S308 (escaped by its template)
    return render(request, "djangobin/trending.html", context)


def _tag_listed(slug):
    """The tag at `slug` (selectors.tag_by_slug_or_404), looked up once a generation of the lists: only a list
    that changes can make a tag appear or vanish."""
    digest = hashlib.sha256(slug.encode()).hexdigest()
    fields = fragments.list_part_get(key=f"tag:{digest}", build=lambda: _tag_fields(slug))
    if fields is None:
        raise Http404("No such tag.")
    return Tag(pk=fields[0], name=fields[1], slug=fields[2])


def _tag_fields(slug):
    try:
        tag = selectors.tag_by_slug_or_404(slug)
    except Http404:
        return None
    return (tag.pk, tag.name, tag.slug)


@http_cache.shared
def tag_list(request, tag):
    tag = _tag_listed(tag)
    listing = _listing(
        request,
        key=f"tag:{tag.pk}",
        snippets=lambda: selectors.snippets_by_tag(tag=tag),
        empty="No public snippets carry this tag.",
    )
    return render(request, "djangobin/tag_list.html", {"tag": tag, "listing": listing})


def profile(request, username):
    owner = selectors.user_by_username_or_404(username)
    author = selectors.author_of(owner)
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    if not is_owner and author.pk is not None:
        accounts.author_profile_view(author_id=author.pk)
    hidden = author.private and not is_owner
    listing = None
    if not hidden:
        listing = _listing(
            request,
            # The owner's own list holds their unlisted and private snippets: kept apart, in this process only.
            key=f"profile:{owner.pk}:{'own' if is_owner else 'public'}",
            private=is_owner,
            snippets=lambda: selectors.snippets_of_user(owner=owner, viewer=request.user),
            empty="You have no snippets yet." if is_owner else "No public snippets yet.",
            hide_author=True,
        )
    return render(
        request,
        "djangobin/profile.html",
        {
            "owner": owner,
            "author": author,
            "views": selectors.author_views_current(author),
            "listing": listing,
            "hidden": hidden,
            "is_owner": is_owner,
        },
    )


@http_cache.shared
@ratelimited_reads("search")
def search(request):
    form = SearchForm(request.GET or None)
    results = None
    # An empty query lists nothing: "everything" is not a search result.
    if form.is_valid() and form.cleaned_data["query"].strip():
        query = form.cleaned_data["query"]
        mine = form.cleaned_data["mysnippet"]
        if mine and not request.user.is_authenticated:
            messages.info(request, "Log in to search your own snippets; showing public snippets instead.")
            mine = False
        # A signed-in searcher's results hold their own private and unlisted snippets: kept apart, in this process.
        searcher = request.user.pk if request.user.is_authenticated else None
        results = _listing(
            request,
            key=f"search:{searcher or ''}:{'mine' if mine else 'all'}",
            private=searcher is not None,
            params=SEARCH_PARAMS,
            snippets=lambda: selectors.snippets_search(query=query, user=request.user, mine=mine),
            template="djangobin/includes/search_results.html",
            query=query,
        )
    context = {"form": form, "fields": _search_fields(request, form), "results": results, "max_results": SEARCH_RESULTS}
    return render(request, "djangobin/search.html", context)


def _search_fields(request, form):
    """The search form's fields as the query string fills them, kept like the results (rendering a form's fields
    through Django's widget templates costs more than the rest of the page); a form with errors is rendered each
    time."""
    kept = _page_kept(request, SEARCH_PARAMS)
    if form.errors or kept is None:
        return None
    html = fragments.list_part_get(
        key=f"search-form:{kept}",
        build=lambda: render_to_string("djangobin/includes/form_fields.html", {"form": form}),
    )
    return mark_safe(html)  # noqa: S308 (a template's output, escaped by it)
