"""Pygments, run by the `highlight_snippet` actor (never in a request), and the plain text pages show meanwhile.

The markup is the code's text with one `<span class=…>` per run of tokens that share a colour: no table, no
element per line. Line numbers are one gutter element beside it (`line_numbers`), so a page grows with the
paste, not with its line count times the markup of a line.
"""

import functools
from collections.abc import Iterable
from html import escape

from pygments.formatters import HtmlFormatter
from pygments.lexers import find_lexer_class_by_name, get_lexer_by_name, guess_lexer
from pygments.token import STANDARD_TYPES, Text, Whitespace
from pygments.util import ClassNotFound

# Only for the stylesheet (`manage.py pygments_css`): the markup below uses the same class names.
_FORMATTER = HtmlFormatter(cssclass="highlight")
_UNSTYLED = {Text, Whitespace}
DARK_STYLE = "github-dark"
_STYLE_KEYS = ("color", "bold", "italic", "underline", "bgcolor", "border")


def lexer_exists(lang_code: str) -> bool:
    # The class, not an instance: instantiating a lexer first compiles its token regexes, which checking needs not.
    try:
        find_lexer_class_by_name(lang_code)
    except ClassNotFound:
        return False
    return True


@functools.cache
def _css_class(ttype):
    """Pygments' short class of the nearest token type its stylesheet names; "" when the style gives that type no
    colour or font (names and punctuation in the default style): such tokens need no element at all."""
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    style = _FORMATTER.style.style_for_token(ttype)
    if ttype in _UNSTYLED or not any(style[key] for key in _STYLE_KEYS):
        return ""
    return STANDARD_TYPES[ttype]


def highlight_html(code: str, lang_code: str) -> str:
    """`code` as escaped HTML with its tokens coloured; raises pygments.util.ClassNotFound for an unknown lexer.

    Slow on some crafted input (see docs/reliability.md): only the worker calls it, under a time limit.
    """
    lexer = get_lexer_by_name(lang_code, stripnl=False, ensurenl=False)
    parts, run, run_class = [], [], ""
    for ttype, value in lexer.get_tokens(code):
        css_class = _css_class(ttype)
        if css_class != run_class and run:
            parts.append(_span(run_class, "".join(run)))
            run = []
        run_class = css_class
        run.append(value)
    if run:
        parts.append(_span(run_class, "".join(run)))
    return "".join(parts)


def _span(css_class, text):
    text = escape(text, quote=False)
    return f"<span class={css_class}>{text}</span>" if css_class else text


def plain_html(code: str) -> str:
    """`code` escaped, for the page until (or instead of) the highlighted version."""
    return escape(code, quote=False)


def line_count(code: str) -> int:
    return code.count("\n") + (0 if code.endswith("\n") else 1)


def line_numbers(code: str) -> str:
    """The gutter's text: one number a line, which CSS sets beside the code's lines."""
    return "\n".join(map(str, range(1, line_count(code) + 1)))


def guess_lang_code(code: str, candidates: Iterable[str]) -> str | None:
    """The one of `candidates` (lexer aliases) that Pygments' `guess_lexer` picks for `code`, or else the candidate
    whose lexer's own `analyse_text` scores it highest; None when nothing claims it. Slow: only the worker calls it.
    """
    candidates = set(candidates)
    try:
        guessed = set(guess_lexer(code).aliases)
    except ClassNotFound:
        guessed = set()
    if guessed & candidates:
        return min(guessed & candidates)
    scores = []
    for lang_code in sorted(candidates):
        try:
            scores.append((get_lexer_by_name(lang_code).analyse_text(code), lang_code))
        except ClassNotFound:
            continue
    score, lang_code = max(scores, default=(0, None), key=lambda pair: pair[0])
    return lang_code if score > 0 else None


def highlight_css() -> str:
    """The light style's rules, then DARK_STYLE's under `prefers-color-scheme: dark`, after a reset so that no light
    colour the dark style leaves undefined stays on its dark background."""
    dark = HtmlFormatter(style=DARK_STYLE, cssclass="highlight").get_style_defs(".highlight").splitlines()
    dark_rules = "\n".join(f"  {rule}" for rule in dark if rule.startswith(".highlight"))
    return (
        _FORMATTER.get_style_defs(".highlight")
        + "\n@media (prefers-color-scheme: dark) {\n"
        + "  .highlight [class] { color: inherit; background-color: transparent; border: none; font-weight: inherit;"
        + " font-style: inherit }\n"
        + dark_rules
        + "\n}"
    )
