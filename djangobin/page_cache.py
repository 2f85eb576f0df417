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
command) shows its new render within `PAGE_SECONDS`. A fork made or deleted on the site changes its source's fork
list at once, in every process: `snippet_page_forget` stamps the source in the default cache (Redis in production,
shared by every web process), and a kept page rendered under another stamp is not used.
"""

import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.utils.safestring import mark_safe

from djangobin.fragments import RECENT_KEY, recent_snippets_html
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


def _stamp_key(snippet_id):
    return f"snippet-page-stamp:{snippet_id}"


def snippet_page_forget(*, snippet) -> None:
    """Stop using `snippet`'s kept page in every process once the current transaction commits (at once outside one):
    a new stamp in the shared cache, which a page kept under another one does not match, and this process's copy
    dropped. The stamp outlives every page kept before it (PAGE_SECONDS), so none of those can match it again."""
    key, stamp_key = _key(snippet), _stamp_key(snippet.pk)

    def forget():
        cache.set(stamp_key, uuid.uuid4().hex, 2 * PAGE_SECONDS)
        _cache().delete(key)

    transaction.on_commit(forget)


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
    """The kept page with the snippet's current hit count and sidebar; None when there is none to use.

    The stamp is read here, before a missing page is rendered, and kept with it: a fork committed during the render
    then leaves a kept page that no longer matches, rather than one that matches without the fork."""
    if not snippet_page_cacheable(request=request, snippet=snippet):
        return None
    # One trip to the shared cache for both: the stamp (None until the page was first forgotten) and the sidebar.
    shared = cache.get_many([_stamp_key(snippet.pk), RECENT_KEY])
    snippet.page_stamp = shared.get(_stamp_key(snippet.pk))
    kept = _cache().get(_key(snippet))
    if kept is None:
        return None
    html, sidebar, stamp = kept
    if stamp != snippet.page_stamp:
        return None  # its fork list changed since (snippet_page_forget)
    current = shared.get(RECENT_KEY) or recent_snippets_html()
    if current != sidebar:
        html = html.replace(sidebar, current, 1)
    return html.replace(HITS_MARKER, str(snippet.hits), 1)


def snippet_page_keep(*, request, snippet, html: str, render_final: bool) -> None:
    """Keep a page rendered with HITS_MARKER as its hit count (see snippet_page_cacheable for which are kept)."""
    if not (render_final and snippet_page_cacheable(request=request, snippet=snippet)):
        return
    sidebar = recent_snippets_html()
    if sidebar in html:  # not so when the sidebar's cache expired during the render: keep nothing then
        _cache().set(_key(snippet), (html, sidebar, snippet.page_stamp), PAGE_SECONDS)
