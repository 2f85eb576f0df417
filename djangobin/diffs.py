"""Unified diffs between two texts as escaped HTML, made by the `diff_snippet_revision` actor (never in a request).

Python's difflib compares lines; its cost grows with the lines of both texts (far faster than that on ordinary
edits, far slower on crafted ones), so the worker compares texts of at most DIFF_MAX_LINES lines each, under the
highlight queue's time limit, and keeps at most DIFF_MAX_LINES_SHOWN lines of diff: a page stays in proportion.
"""

import difflib
from dataclasses import dataclass
from html import escape

DIFF_MAX_LINES = 20_000
DIFF_MAX_LINES_SHOWN = 5_000
DIFF_CONTEXT = 3
_CLASSES = {"+": "diff-add", "-": "diff-del", "@": "diff-hunk"}


@dataclass(frozen=True)
class Diff:
    """A diff as the page shows it: escaped HTML (one element per line), the lines added and removed, and a note
    when it is not there or not whole."""

    html: str
    added: int
    removed: int
    note: str = ""


def too_long_note(before: str, after: str) -> str:
    """Why two texts are not compared (either has more than DIFF_MAX_LINES lines), or ""."""
    if max(before.count("\n"), after.count("\n")) >= DIFF_MAX_LINES:
        return f"Not compared: the diff stops at {DIFF_MAX_LINES:,} lines of text."
    return ""


def diff_html(before: str, after: str) -> Diff:
    """The unified diff from `before` to `after` (three lines of context) as escaped HTML."""
    note = too_long_note(before, after)
    if note:
        return Diff(html="", added=0, removed=0, note=note)
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=DIFF_CONTEXT)
    parts, added, removed, total = [], 0, 0, 0
    for index, line in enumerate(lines):
        if index < 2:
            continue  # the "---" and "+++" lines name no file here: the page says which revisions these are
        total += 1
        kind = line[:1]
        added += kind == "+"
        removed += kind == "-"
        if total <= DIFF_MAX_LINES_SHOWN:
            parts.append(f'<span class="{_CLASSES.get(kind, "diff-same")}">{escape(line, quote=False)}</span>')
    note = f"Only the first {DIFF_MAX_LINES_SHOWN:,} lines of the diff are shown." if total > len(parts) else ""
    return Diff(html="\n".join(parts), added=added, removed=removed, note=note)
