"""A Markdown paste as a document: rendered by the `highlight_snippet` actor (never in a request), then sanitised.

The paster's text is untrusted, and the document is shown on the site's own pages, so two walls stand between it
and a browser: markdown-it renders CommonMark (with tables and strikethrough) with raw HTML turned off, so a
`<script>` in the text comes out as text; then nh3 (the Ammonia sanitiser) keeps only the tags and attributes a
document needs, drops every event attribute and `style`, and keeps only http, https and mailto links. Fenced code
is highlighted by the same Pygments markup as pastes.
"""

import nh3
from markdown_it import MarkdownIt
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from djangobin.highlight import highlight_html

MARKDOWN_LANG_CODES = frozenset({"markdown", "md"})
_TAGS = nh3.ALLOWED_TAGS - {"area", "map", "center", "acronym", "tt", "strike"}
_CLASSES = {"pre": {"highlight"}, "span": {css for css in STANDARD_TYPES.values() if css}}
_URL_SCHEMES = {"http", "https", "mailto"}


def is_markdown(lang_code: str) -> bool:
    return lang_code in MARKDOWN_LANG_CODES


def _fence(code: str, lang: str, attrs) -> str:
    """A fenced block in Pygments' markup when its info string names a lexer; "" lets markdown-it escape it."""
    if not lang:
        return ""
    try:
        html = highlight_html(code, lang)
    except ClassNotFound:
        return ""
    return f'<pre class="highlight"><code>{html}</code></pre>\n'


_RENDERER = MarkdownIt("commonmark", {"html": False, "highlight": _fence}).enable(["table", "strikethrough"])


def document_sanitize(html: str) -> str:
    """Only what a document needs: no script or style element, no event or style attribute, no javascript: URL."""
    return nh3.clean(
        html,
        tags=_TAGS,
        allowed_classes=_CLASSES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def markdown_document(text: str) -> str:
    """`text` (Markdown) as sanitised HTML. Slow on large input: only the worker calls it, under a time limit."""
    return document_sanitize(_RENDERER.render(text))
