"""Revisions: an author's edit saves a new revision of a snippet, and every revision stays readable by its number.

The snippet row always holds the latest revision (pages, raw, search and the render read it, unchanged), and
`Snippet.revision` is its number. An edit claims the next number with a conditional UPDATE from the number the
editor started from, so of two edits begun from the same revision one is saved and the other is a
RevisionConflict that loses nothing (its text goes back to its form). A snippet never edited has no revision rows
(it is its own revision 1; see SnippetRevision); its first edit writes revision 1 as it was, then revision 2.

Each new revision's diff against the one before (and a fork's against its source) is made by the
`diff_snippet_revision` actor, queued after commit through the outbox, and the code is highlighted again by
`highlight_snippet`, as for a new paste.
"""

import logging
from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from actors import paths as actors
from delivery.outbox import enqueue_on_commit
from djangobin.diffs import diff_html
from djangobin.exceptions import RevisionConflict, SnippetExpired, SnippetNotFound
from djangobin.fragments import snippet_lists_forget
from djangobin.models import Language, Snippet, SnippetRevision
from djangobin.services.burn import snippet_is_author
from djangobin.services.renders import snippet_render_request
from djangobin.validators import snippet_code_validate, snippet_title_validate

logger = logging.getLogger(__name__)
DiffState = SnippetRevision.DiffState


def snippet_may_edit(*, snippet: Snippet, user, authored_slugs: Collection[str] = ()) -> bool:
    """Whether this reader may edit `snippet`: its author (the owner, or the browser that pasted it anonymously).

    Never a burn-after-reading snippet: it is read once, so there is no one to show a second revision to."""
    return not snippet.burn_after_reading and snippet_is_author(
        snippet=snippet, user=user, authored_slugs=authored_slugs
    )


def snippet_edit(
    *,
    snippet: Snippet,
    user,
    authored_slugs: Collection[str] = (),
    code: str,
    language: Language,
    title: str = "",
    base_revision: int,
) -> SnippetRevision | None:
    """Save `code`, `language` and `title` as the next revision of `snippet`, edited from revision `base_revision`;
    returns the new revision, or None when nothing changed (no revision is made).

    Raises PermissionDenied for anyone but its author, SnippetExpired once it expired, ValidationError for a bad
    field (djangobin/validators.py) and RevisionConflict when it was edited since `base_revision`. Its exposure,
    expiry and tags are not the revision's and stay as they are."""
    if not snippet_may_edit(snippet=snippet, user=user, authored_slugs=authored_slugs):
        raise PermissionDenied("Only the author may edit a snippet.")
    if snippet.is_expired():
        raise SnippetExpired(snippet.slug)
    snippet_code_validate(code)
    snippet_title_validate(title)
    title = title.strip()
    if base_revision != snippet.revision:
        raise RevisionConflict(snippet.revision)
    if (code, title, language.pk) == (snippet.original_code, snippet.title, snippet.language_id):
        return None
    before = SnippetRevision(
        snippet=snippet,
        number=base_revision,
        title=snippet.title,
        language_id=snippet.language_id,
        code=snippet.original_code,
        created_on=snippet.created_on,
    )
    now = timezone.now()
    with transaction.atomic():
        claimed = Snippet.objects.filter(pk=snippet.pk, revision=base_revision).update(
            revision=base_revision + 1, title=title, original_code=code, language=language
        )
        if not claimed:
            latest = Snippet.objects.filter(pk=snippet.pk).values_list("revision", flat=True).first()
            if latest is None:
                raise SnippetNotFound(snippet.slug)
            raise RevisionConflict(latest)
        if base_revision == 1 and not SnippetRevision.objects.filter(snippet=snippet, number=1).exists():
            before.save()  # the text as first pasted: a snippet has no rows until its first edit
        revision = SnippetRevision.objects.create(
            snippet=snippet,
            number=base_revision + 1,
            title=title,
            language=language,
            code=code,
            created_on=now,
            diff_state=DiffState.PENDING,
        )
        snippet_render_request(snippet_id=snippet.pk)
        enqueue_on_commit(actors.DIFF_SNIPPET_REVISION, revision.pk)
        snippet_lists_forget()
    snippet.revision, snippet.title, snippet.original_code, snippet.language = revision.number, title, code, language
    return revision


def snippet_fork_revision_create(*, snippet: Snippet) -> SnippetRevision:
    """Keep a fork's revision 1 as a row (inside the caller's transaction), to hold its diff against its source."""
    revision = SnippetRevision.objects.create(
        snippet=snippet,
        number=1,
        title=snippet.title,
        language=snippet.language,
        code=snippet.original_code,
        created_on=snippet.created_on,
        diff_state=DiffState.PENDING,
    )
    enqueue_on_commit(actors.DIFF_SNIPPET_REVISION, revision.pk)
    return revision


def snippet_revision_latest_sync(*, snippet: Snippet) -> None:
    """After a staff edit in the admin (which changes the snippet in place, as a correction, not a new revision),
    make the latest revision row say the same, so that its page and the snippet's agree."""
    SnippetRevision.objects.filter(snippet=snippet, number=snippet.revision).update(
        title=snippet.title, language=snippet.language, code=snippet.original_code
    )


def snippet_revision_diff_store(*, revision_id: int, timed_out: bool = False) -> bool:
    """Make and store the diff of a pending revision against the one before it (a fork's revision 1: against its
    source); returns whether anything was stored (False: already done, or the revision is gone).

    Idempotent: only a pending revision is written, with one conditional UPDATE. `timed_out` stores a note instead
    (the actor's time limit interrupted difflib)."""
    revision = SnippetRevision.objects.filter(pk=revision_id, diff_state=DiffState.PENDING).first()
    if revision is None:
        return False
    before = _text_before(revision)
    if timed_out:
        fields = {"diff_state": DiffState.SKIPPED, "diff_note": "Not compared: the comparison took too long."}
    elif before is None:
        fields = {"diff_state": DiffState.SKIPPED, "diff_note": "Not compared: the source is no longer here."}
    else:
        diff = diff_html(before, revision.code)
        fields = {
            "diff_state": DiffState.READY if diff.html or not diff.note else DiffState.SKIPPED,
            "diff_html": diff.html,
            "diff_note": diff.note,
            "lines_added": diff.added,
            "lines_removed": diff.removed,
        }
    stored = SnippetRevision.objects.filter(pk=revision_id, diff_state=DiffState.PENDING).update(**fields)
    return bool(stored)


def _text_before(revision: SnippetRevision) -> str | None:
    if revision.number > 1:
        return (
            SnippetRevision.objects.filter(snippet_id=revision.snippet_id, number=revision.number - 1)
            .values_list("code", flat=True)
            .first()
        )
    # A fork's revision 1: its source as it is now, just after the fork (None once the source is gone).
    return Snippet.objects.filter(forks__pk=revision.snippet_id).values_list("original_code", flat=True).first()
