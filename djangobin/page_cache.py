"""The snippet page as an anonymous visitor sees it, kept in this process's memory for a minute.

A page view then costs the snippet's own query (so a deleted snippet answers 404 and an expired one 410 at once),
a hit in memory and two string replacements: the hit count and the sidebar, whose current version (djangobin/
fragments.py) replaces the one the page was rendered with. What is never kept: a page for a signed-in visitor or
one with a session or messages (their header, delete button and messages are their own), a private or
burn-after-reading snippet, a snippet whose render or latest diff is still pending (the next view shows it), and a
request with a query string (it fills the search box), and a page larger than `PAGE_CACHE_MAX_PAGE_BYTES`. The
cache (djangobin/bytes_cache.py) is one per process, never shared, and holds at most `PAGE_CACHE_MAX_BYTES`: an
unlisted snippet's page stays in the memory of the process that served it. A snippet edited (a new revision) shows
its new page at once in every process: the kept page is keyed by the revision. One re-rendered (the `rehighlight`
command) shows its new render within `PAGE_SECONDS`.
"""

from django.conf import settings
from django.core.cache import caches
from django.utils.safestring import mark_safe

from djangobin.fragments import recent_snippets_html
from djangobin.models import Exposure

PAGE_SECONDS = 60
# Escaped page content can never hold a raw "<": this marker only ever comes from the hit count.
HITS_MARKER = mark_safe("<!--djangobin:hits-->")


def _cache():
    return caches["pages"]


def _key(snippet):
    # The revision in the key: an edit changes the snippet row every process reads first, so each process stops
    # using its kept page of the old revision at once (the stale entry ages out or is pushed out by bytes).
    return f"snippet-page:{snippet.pk}:{snippet.slug}:{snippet.revision}"


def snippet_page_cacheable(*, request, snippet) -> bool:
    return (
        not request.user.is_authenticated
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and snippet.exposure != Exposure.PRIVATE
        and not snippet.burn_after_reading
    )


def snippet_page_get(*, request, snippet) -> str | None:
    """The kept page with the snippet's current hit count and sidebar; None when there is none to use."""
    if not snippet_page_cacheable(request=request, snippet=snippet):
        return None
    kept = _cache().get(_key(snippet))
    if kept is None:
        return None
    html, sidebar = kept
    current = recent_snippets_html()
    if current != sidebar:
        html = html.replace(sidebar, current, 1)
    return html.replace(HITS_MARKER, str(snippet.hits), 1)


def snippet_page_keep(*, request, snippet, html: str, render_final: bool) -> None:
    """Keep a page rendered with HITS_MARKER as its hit count (see snippet_page_cacheable for which are kept)."""
    if not (render_final and snippet_page_cacheable(request=request, snippet=snippet)):
        return
    sidebar = recent_snippets_html()
    if sidebar in html:  # not so when the sidebar's cache expired during the render: keep nothing then
        _cache().set(_key(snippet), (html, sidebar), PAGE_SECONDS)
