"""The render actors: Pygments (highlighting) and difflib (a revision's diff) run here, on a queue of their own,
never in a request."""

import dramatiq
from django.conf import settings
from dramatiq.middleware import TimeLimitExceeded

from djangobin.models import SnippetRender
from djangobin.services.renders import render_job_get, snippet_render_highlight, snippet_render_store, timeout_note
from djangobin.services.revisions import snippet_revision_diff_store

# Both render actors: retries are for a database that did not answer; a paste too slow to render is not retried
# but stored with a note, within the same time limit.
RENDER_OPTIONS = {
    "queue_name": "highlight",
    "max_retries": 3,
    "min_backoff": 5_000,
    "max_backoff": 60_000,
    "time_limit": settings.HIGHLIGHT_TIME_LIMIT_MS,
}


@dramatiq.actor(**RENDER_OPTIONS)
def highlight_snippet(snippet_id: int) -> None:
    """Store the snippet's highlighted HTML, or its code plain with a note when it is too big or too slow to highlight.

    Idempotent: a render already stored (or a newer revision) makes a copy of this message do nothing. Dramatiq's
    time limit raises TimeLimitExceeded in this thread, which interrupts Pygments' pure-Python lexers.
    """
    job = render_job_get(snippet_id=snippet_id)
    if job is None:
        return
    try:
        snippet_render_highlight(job=job)
    except TimeLimitExceeded:
        snippet_render_store(job=job, state=SnippetRender.State.PLAIN, note=timeout_note())


@dramatiq.actor(**RENDER_OPTIONS)
def diff_snippet_revision(revision_id: int) -> None:
    """Store a new revision's diff against the one before it (a fork's first: against its source), or a note when
    the texts are too long or too slow to compare.

    Idempotent: a diff already stored (or a revision deleted with its snippet) makes a copy of this message do
    nothing. A crafted pair of texts can keep difflib busy: the time limit stores a note instead."""
    try:
        snippet_revision_diff_store(revision_id=revision_id)
    except TimeLimitExceeded:
        snippet_revision_diff_store(revision_id=revision_id, timed_out=True)
