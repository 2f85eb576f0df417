"""Page parts shared by every visitor, rendered once and kept in the default cache for a few seconds.

Only public content goes here (the cache may be Redis, shared by every web process): the sidebar's recent
snippets. A snippet created or deleted in this site forgets the fragment at commit; whatever else changes the list
(an expiry, the purge, a process with a cache of its own) shows within `RECENT_SNIPPETS_CACHE_SECONDS`.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string

from djangobin import selectors

RECENT_KEY = "fragment:recent-snippets"
RECENT_LIMIT = 8


def recent_snippets_html() -> str:
    html = cache.get(RECENT_KEY)
    if html is None:
        snippets = list(selectors.snippets_recent(limit=RECENT_LIMIT))
        html = render_to_string("djangobin/includes/recent.html", {"snippets": snippets})
        cache.set(RECENT_KEY, html, settings.RECENT_SNIPPETS_CACHE_SECONDS)
    return html


def recent_snippets_forget() -> None:
    """Drop the cached sidebar once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.delete(RECENT_KEY))
