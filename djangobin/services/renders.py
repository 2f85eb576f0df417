"""A snippet's HTML: asked for when its code is stored, made by the `highlight_snippet` actor in a worker.

Every write is conditional on the render's `revision`: a render made from older code (a message that waited,
a redelivered one, a slow worker) never replaces a newer one, and a second copy of a message finds nothing to do.
"""

import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from pygments.util import ClassNotFound

from actors import paths as actors
from delivery.outbox import enqueue_on_commit
from djangobin.highlight import guess_lang_code, highlight_html, line_numbers
from djangobin.markdown import is_markdown, markdown_document
from djangobin.models import Language, Snippet, SnippetRender

logger = logging.getLogger(__name__)

# Pages stay in proportion to the paste: a render whose markup and line numbers come to more than this many times
# the code (plus a little, so that small pastes always get their colours) is shown plain instead. Realistic code
# comes to about 2.3 times; a number on each of 100,000 lines would come to 15.
MARKUP_MAX_RATIO = 4
MARKUP_ALLOWANCE = 64 * 1024
State = SnippetRender.State


@dataclass(frozen=True)
class RenderJob:
    """What the actor needs, read in one query: the code and language as of `revision`."""

    snippet_id: int
    revision: int
    code: str
    lang_code: str
    detect_language: bool = False


def _too_big_note(code):
    if len(code.encode()) <= settings.HIGHLIGHT_MAX_BYTES:
        return ""
    return f"Shown as plain text: highlighting stops at {settings.HIGHLIGHT_MAX_BYTES // 1024} KiB of code."


def timeout_note() -> str:
    seconds = settings.HIGHLIGHT_TIME_LIMIT_MS / 1000
    return f"Shown as plain text: highlighting took longer than {seconds:g} s."


def snippet_render_create(*, snippet: Snippet, detect_language: bool = False) -> SnippetRender:
    """Ask for `snippet`'s first render (inside the caller's transaction), after a guess of its language when
    `detect_language`; a paste over the highlight limit is plain at once, with nothing queued (nor guessed)."""
    note = _too_big_note(snippet.original_code)
    render = SnippetRender.objects.create(
        snippet=snippet,
        state=State.PLAIN if note else State.PENDING,
        note=note,
        detect_language=detect_language and not note,
    )
    if not note:
        enqueue_on_commit(actors.HIGHLIGHT_SNIPPET, snippet.pk)
    return render


def snippet_render_request(*, snippet_id: int) -> None:
    """Ask for a new render of a snippet whose code or language changed (or whose old render is out of date):
    its revision grows, so a render still under way for the old code is not stored. A language guess still asked
    for is dropped: the edit says which language it is."""
    updated = SnippetRender.objects.filter(snippet_id=snippet_id).update(
        revision=F("revision") + 1,
        state=State.PENDING,
        html="",
        document="",
        note="",
        rendered_on=None,
        detect_language=False,
    )
    if not updated:
        SnippetRender.objects.create(snippet_id=snippet_id)
    enqueue_on_commit(actors.HIGHLIGHT_SNIPPET, snippet_id)


def render_job_get(*, snippet_id: int) -> RenderJob | None:
    """The pending render of this snippet with its code, or None when there is nothing to do (already rendered,
    or the snippet is gone)."""
    row = (
        SnippetRender.objects.filter(snippet_id=snippet_id, state=State.PENDING)
        .values_list("revision", "snippet__original_code", "snippet__language__lang_code", "detect_language")
        .first()
    )
    if row is None:
        return None
    revision, code, lang_code, detect = row
    return RenderJob(snippet_id=snippet_id, revision=revision, code=code, lang_code=lang_code, detect_language=detect)


def snippet_language_detect(*, job: RenderJob) -> RenderJob:
    """Store the language Pygments' `guess_lexer` finds for `job`'s code (one of the site's languages, else Plain
    Text) and return the job with it; done once, and only while `job`'s revision is still the pending one."""
    languages = dict(Language.objects.values_list("lang_code", "pk"))
    lang_code = guess_lang_code(job.code, languages) or "text"
    with transaction.atomic():
        claimed = SnippetRender.objects.filter(
            snippet_id=job.snippet_id, revision=job.revision, state=State.PENDING, detect_language=True
        ).update(detect_language=False)
        if claimed and lang_code in languages:
            Snippet.objects.filter(pk=job.snippet_id).update(language_id=languages[lang_code])
    return replace(job, lang_code=lang_code, detect_language=False)


def snippet_render_highlight(*, job: RenderJob) -> bool:
    """Highlight `job`'s code with Pygments and store it, or store it plain with a note when it is too big or has no
    highlighter; returns whether anything was stored (False: a newer revision came meanwhile).

    A job flagged for detection first stores the guessed language (`snippet_language_detect`). A Markdown paste
    also gets its document (djangobin/markdown.py), which its page shows with a link to the source."""
    note = _too_big_note(job.code)
    if note:
        return snippet_render_store(job=job, state=State.PLAIN, note=note)
    if job.detect_language:
        job = snippet_language_detect(job=job)
    document = markdown_document(job.code) if is_markdown(job.lang_code) else ""
    try:
        html = highlight_html(job.code, job.lang_code)
    except ClassNotFound:
        return snippet_render_store(
            job=job, state=State.PLAIN, note=f"Shown as plain text: no highlighter for {job.lang_code}."
        )
    size = len(job.code.encode())
    if len(html.encode()) + len(line_numbers(job.code)) > MARKUP_MAX_RATIO * size + MARKUP_ALLOWANCE:
        note = f"Shown as plain text: highlighted, this page would be over {MARKUP_MAX_RATIO} times the code's size."
        return snippet_render_store(job=job, state=State.PLAIN, note=note, document=document)
    return snippet_render_store(job=job, state=State.HIGHLIGHTED, html=html, document=document)


def snippet_render_store(*, job: RenderJob, state: str, html: str = "", note: str = "", document: str = "") -> bool:
    """Store a render over the revision it was made from, and only while that is still pending."""
    stored = SnippetRender.objects.filter(snippet_id=job.snippet_id, revision=job.revision, state=State.PENDING).update(
        state=state, html=html, document=document, note=note, rendered_on=timezone.now()
    )
    if not stored:
        logger.info("Render r%d of snippet %d was not stored: a newer one exists.", job.revision, job.snippet_id)
    return bool(stored)


def snippet_renders_request_batch(*, after: int = 0, limit: int = 500, redo: bool = False) -> list[int]:
    """Queue the renders of up to `limit` snippets with ids above `after`, in one transaction; returns their ids.

    Only pending renders (those the migration to this markup left), or with `redo` every render, which then waits
    for a new revision (after a change of formatter or style). Resume a stopped run with the last id it printed.
    """
    renders = SnippetRender.objects.filter(snippet_id__gt=after)
    if not redo:
        renders = renders.filter(state=State.PENDING)
    with transaction.atomic():
        ids = list(renders.order_by("snippet_id").values_list("snippet_id", flat=True)[:limit])
        if redo:
            SnippetRender.objects.filter(snippet_id__in=ids).update(
                revision=F("revision") + 1, state=State.PENDING, html="", document="", note="", rendered_on=None
            )
        for snippet_id in ids:
            enqueue_on_commit(actors.HIGHLIGHT_SNIPPET, snippet_id)
    return ids
