"""Revisions as pages show them: a snippet's revision by its number, and the diff its page shows.

Written by services/revisions.py (which says how revisions are stored); read here, one query each.
"""

from dataclasses import dataclass
from datetime import datetime

from djangobin.exceptions import SnippetNotFound
from djangobin.models import Language, Snippet, SnippetRevision


@dataclass(frozen=True)
class RevisionView:
    """A revision as its page, raw and download show it; `row` is None for a snippet's only revision (no rows)."""

    number: int
    latest: int
    title: str
    language: Language
    code: str
    created_on: datetime
    row: SnippetRevision | None

    @property
    def is_latest(self) -> bool:
        return self.number == self.latest

    @property
    def display_title(self) -> str:
        return self.title or "Untitled"


def snippet_revision_get(*, snippet: Snippet, number: int) -> RevisionView:
    """Revision `number` of `snippet` (already checked visible); raises SnippetNotFound for a number it never had."""
    row = (
        SnippetRevision.objects.filter(snippet=snippet, number=number).select_related("language").first()
        if 1 <= number <= snippet.revision
        else None
    )
    if row is None and not (number == 1 == snippet.revision):
        raise SnippetNotFound(snippet.slug)
    if row is None:
        source = snippet
        return RevisionView(1, 1, source.title, source.language, source.original_code, source.created_on, None)
    return RevisionView(number, snippet.revision, row.title, row.language, row.code, row.created_on, row)


def snippet_revision_diffed(*, snippet: Snippet, number: int) -> SnippetRevision | None:
    """Revision `number`'s row without its code (its diff, its counts), or None when it has none: a snippet never
    edited and not a fork has nothing to compare."""
    if snippet.revision == 1 and snippet.forked_from_id is None:
        return None
    return SnippetRevision.objects.filter(snippet=snippet, number=number).defer("code").first()


def snippet_revision_numbers(*, snippet: Snippet) -> list[tuple[int, datetime]]:
    """(number, saved on) of every revision of `snippet`, newest first, for its revision list."""
    if snippet.revision == 1:
        return [(1, snippet.created_on)]
    rows = SnippetRevision.objects.filter(snippet=snippet).order_by("-number").values_list("number", "created_on")
    return list(rows)


def revision_diff_shown(
    *, row: SnippetRevision | None, fork_source: Snippet | None
) -> tuple[SnippetRevision | None, str]:
    """(the revision row whose diff a page shows, what it is compared with), or (None, "") when there is none to
    show: a snippet's only revision, or a fork whose source the page may not link to (forks.snippet_fork_source_shown
    gives `fork_source`: the diff would show what that source says)."""
    if row is None or row.diff_state == SnippetRevision.DiffState.NONE:
        return None, ""
    if row.number > 1:
        return row, f"revision {row.number - 1}"
    return (row, "its source") if fork_source is not None else (None, "")
