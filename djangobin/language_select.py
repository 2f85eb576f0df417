"""The language control of the paste form (and the settings page): one `<select>` with every language, the common
ones first in a group of their own, then all the others, A to Z.

A native `<select>` is a control every browser, keyboard and screen reader knows, and it finds an option by typing
its first letters with no JavaScript at all; site.js adds a filter box under it. Its hundreds of options are
rendered once per process and per version of the language table, not at each request: a request only writes the
select's own tag and marks its chosen option, so the home page costs no more with six hundred languages than with
thirty. The version is a key in the default cache that any change to a language renews (signals.py, and
`manage.py languages_sync`), so every process sees a change at its next render.
"""

import uuid

from django import forms
from django.core.cache import cache
from django.db import transaction
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from djangobin.lexers import COMMON_LANG_CODES
from djangobin.models import Language

VERSION_KEY = "languages:version"
COMMON_LABEL = "Common languages"
OTHERS_LABEL = "All other languages, A to Z"
# version -> (the options' HTML, Plain Text's id); one entry, replaced when the version changes
_built: dict[str, tuple[str, int | None]] = {}


def languages_version() -> str:
    """The language table's version: a new one whenever a language changes (`language_choices_forget`)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)  # add: two processes starting agree on one
        version = cache.get(VERSION_KEY, "")
    return version


def language_choices_forget() -> None:
    """Make every process render the language options again (after the current transaction commits)."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def _options(rows) -> str:
    return format_html_join("", '<option value="{}">{}</option>', ((pk, name) for pk, name, _ in rows))


def language_options_html() -> str:
    """Every language as `<option>`s in two `<optgroup>`s, none selected; rendered once per table version."""
    return _languages()[0]


def plain_text_language_id() -> int | None:
    """Plain Text's id (the language a new paste starts with), from the same read as the options."""
    return _languages()[1]


def _languages() -> tuple[str, int | None]:
    """The language table as the paste form needs it, read once per table version and process."""
    version = languages_version()
    built = _built.get(version)
    if built is None:
        # Sorted here: a database's collation may put "ANTLR" before "Agda".
        rows = sorted(Language.objects.values_list("pk", "name", "lang_code"), key=lambda row: row[1].casefold())
        common = [row for row in rows if row[2] in COMMON_LANG_CODES]
        others = [row for row in rows if row[2] not in COMMON_LANG_CODES]
        html = format_html(
            '<optgroup label="{}">{}</optgroup><optgroup label="{}">{}</optgroup>',
            COMMON_LABEL,
            _options(common),
            OTHERS_LABEL,
            _options(others),
        )
        plain_text = next((pk for pk, _, lang_code in rows if lang_code == "text"), None)
        _built.clear()
        built = _built[version] = (html, plain_text)
    return built


class LanguageSelect(forms.Select):
    """A `<select>` of every language from `language_options_html`, after `leading` options (such as "Detect")."""

    def __init__(self, attrs=None, leading=()):
        super().__init__(attrs)
        self.leading = tuple(leading)

    def use_required_attribute(self, initial):
        # Django's test reads the first choice, which would query every language; the leading option tells.
        return not (self.leading and self.leading[0][0] == "")

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = format_html_join("", '<option value="{}">{}</option>', self.leading) + language_options_html()
        if value not in (None, ""):
            plain = f'<option value="{escape(value)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        start = format_html('<select name="{}"{}>', name, flatatt(final_attrs))
        return mark_safe(f"{start}{options}</select>")  # noqa: S308 (built from escaped parts)
