"""A search result's excerpt: the line where a term of the query was found, the terms marked, safe as HTML.

The matching is redone here, in Python, on the one page of results shown, with the indexes' own idea of a word
(`syntax.WORD`): the same on both databases. Every piece of the paste is escaped before the `<mark>` tags are put
around the escaped matches, so a paste holding `<script>` shows as text.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from djangobin.search.syntax import Query, Term

# Read this much of a paste for its excerpt: a match further down shows the title's match or the paste's start.
EXCERPT_SOURCE = 100_000
BEFORE = 60
AFTER = 140
_NOT_IN_WORD = r"(?<![^\W_])"
_END_OF_WORD = r"(?![^\W_])"


def _term_pattern(term: Term) -> str:
    if term.substring:
        return re.escape(term.text)
    words = r"[\W_]+".join(re.escape(word) for word in term.words)
    return _NOT_IN_WORD + words + (r"[^\W_]*" if term.prefix else _END_OF_WORD)


def query_pattern(query: Query) -> re.Pattern:
    """A pattern matching any term `query` looks for (not the excluded ones), the longest first."""
    terms = sorted(query.terms, key=lambda term: -len(term.text))
    return re.compile("|".join(_term_pattern(term) for term in terms), re.IGNORECASE)


def _marked(text: str, pattern: re.Pattern) -> str:
    html, last = [], 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        html += [escape(text[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    html.append(escape(text[last:]))
    return "".join(html)


def title_html(title: str, pattern: re.Pattern) -> SafeString:
    """`title`, escaped, with the query's terms marked."""
    return mark_safe(_marked(title, pattern))  # noqa: S308 (every piece escaped by _marked)


def excerpt_html(code: str, pattern: re.Pattern) -> SafeString:
    """The line of `code` where `pattern` first matches, cut to a window around the match, escaped, the matches
    marked; "" when it does not match (a paste found by its title, or deeper than EXCERPT_SOURCE)."""
    match = pattern.search(code, 0, EXCERPT_SOURCE)
    if match is None:
        return mark_safe("")
    line_start = code.rfind("\n", 0, match.start()) + 1
    line_end = code.find("\n", match.end())
    line_end = len(code) if line_end < 0 else line_end
    start = max(line_start, match.start() - BEFORE)
    end = min(line_end, max(match.end(), start + BEFORE) + AFTER)
    text = code[start:end]
    if start == line_start:
        text = text.lstrip()
    html = ("…" if start > line_start else "") + _marked(text, pattern) + ("…" if end < line_end else "")
    return mark_safe(html)  # noqa: S308 (every piece escaped by _marked)
