"""Page parts the same for every visitor, rendered once and kept for a few seconds: the sidebar's recent snippets
and the lists of the list pages (trending, a tag's, a profile's, search results).

How fresh they are: a snippet created or deleted in this site forgets them all at commit (`snippet_lists_forget`
drops the sidebar and moves the lists' generation on, so every kept list is out of date at once); whatever else
changes a list (an expiry, the purge, hits flushed, another process with a cache of its own) shows within
`RECENT_SNIPPETS_CACHE_SECONDS`. Public content only goes to the default cache, which may be Redis shared by every
web process; a list only its owner may see (their own profile, with private snippets) is kept in this process's
own `pages` cache, never a shared one.
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.template.loader import render_to_string

from djangobin import selectors

RECENT_KEY = "fragment:recent-snippets"
RECENT_LIMIT = 8
GENERATION_KEY = "fragment:lists-generation"
T = TypeVar("T")


def recent_snippets_html() -> str:
    html = cache.get(RECENT_KEY)
    if html is None:
        snippets = list(selectors.snippets_recent(limit=RECENT_LIMIT))
        html = render_to_string("djangobin/includes/recent.html", {"snippets": snippets})
        cache.set(RECENT_KEY, html, settings.RECENT_SNIPPETS_CACHE_SECONDS)
    return html


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY, "")
    return generation


def list_part_get(*, key: str, build: Callable[[], T], private: bool = False) -> T:
    """What is kept under `key` in the lists' current generation (a list's HTML, or what a list page looks up
    first), or `build()` kept there now; a None from `build` is not kept (a page that answers 404 does not fill the
    cache with every name asked for).

    `private`: it holds what only one visitor may see, so it stays in this process's memory."""
    store = caches["pages"] if private else cache
    kept_key = f"fragment:list:{_generation()}:{key}"
    value = store.get(kept_key)
    if value is None:
        value = build()
        if value is not None:
            store.set(kept_key, value, settings.RECENT_SNIPPETS_CACHE_SECONDS)
    return value


def snippet_lists_forget() -> None:
    """Forget the sidebar and every kept list once the current transaction commits (at once outside one)."""
    transaction.on_commit(_forget)


def _forget() -> None:
    cache.delete(RECENT_KEY)
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
