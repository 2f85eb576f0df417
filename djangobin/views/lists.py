"""The lists of snippets: trending (all, or one language), a tag's, a profile's, and search results."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render

from djangobin import selectors
from djangobin.forms import SearchForm
from djangobin.ratelimits import ratelimited_reads
from djangobin.search.index import SEARCH_RESULTS
from djangobin.services import accounts


def _page(request, queryset):
    page = Paginator(queryset, settings.SNIPPETS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.snippets_with_current_hits(page.object_list)
    return page


def trending_snippets(request, language_slug=None):
    language = selectors.language_by_slug_or_404(language_slug) if language_slug else None
    page = _page(request, selectors.snippets_trending(language=language))
    languages = selectors.languages_with_public_snippets()
    return render(request, "djangobin/trending.html", {"page": page, "language": language, "languages": languages})


def tag_list(request, tag):
    tag = selectors.tag_by_slug_or_404(tag)
    page = _page(request, selectors.snippets_by_tag(tag=tag))
    return render(request, "djangobin/tag_list.html", {"page": page, "tag": tag})


def profile(request, username):
    owner = selectors.user_by_username_or_404(username)
    author = selectors.author_of(owner)
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    if not is_owner and author.pk is not None:
        accounts.author_profile_view(author_id=author.pk)
    hidden = author.private and not is_owner
    page = None if hidden else _page(request, selectors.snippets_of_user(owner=owner, viewer=request.user))
    return render(
        request,
        "djangobin/profile.html",
        {
            "owner": owner,
            "author": author,
            "views": selectors.author_views_current(author),
            "page": page,
            "hidden": hidden,
            "is_owner": is_owner,
        },
    )


@ratelimited_reads("search")
def search(request):
    form = SearchForm(request.GET or None)
    page = None
    # An empty query lists nothing: "everything" is not a search result.
    if form.is_valid() and form.cleaned_data["query"].strip():
        mine = form.cleaned_data["mysnippet"]
        if mine and not request.user.is_authenticated:
            messages.info(request, "Log in to search your own snippets; showing public snippets instead.")
            mine = False
        page = _page(request, selectors.snippets_search(query=form.cleaned_data["query"], user=request.user, mine=mine))
    return render(request, "djangobin/search.html", {"form": form, "page": page, "max_results": SEARCH_RESULTS})
