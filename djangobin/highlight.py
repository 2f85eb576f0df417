"""Pygments, used once per snippet at creation: pages serve the stored HTML."""

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="highlight", wrapcode=True)


def lexer_exists(lang_code):
    try:
        get_lexer_by_name(lang_code)
    except ClassNotFound:
        return False
    return True


def highlight_code(code, lang_code):
    """HTML for `code` (Pygments escapes it), with numbered lines that link to #L-<n>."""
    return highlight(code, get_lexer_by_name(lang_code, stripnl=False), _FORMATTER)


def highlight_css():
    return _FORMATTER.get_style_defs(".highlight")
