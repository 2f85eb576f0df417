"""Which languages the site offers: every lexer Pygments has, each a row of the `Language` table.

Snippets keep a foreign key to `Language` (the trending page's language filter, a download's file name, an
account's default language), so each lexer is a row rather than each snippet holding a bare alias: the rows are
what those pages join, and a lexer that a later Pygments drops still names its snippets' language. The rows are
added by a data migration and, after a Pygments upgrade brings new lexers, by `manage.py languages_sync`: both
call `languages_sync`, which adds only what is missing and changes no row that exists, so it may run any time.
"""

import fnmatch
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, count

from django.utils.text import slugify
from pygments.lexers import find_lexer_class_for_filename, get_all_lexers

# The languages people paste most, offered first (the site's first list): the rest follow in the same control.
COMMON_LANG_CODES = (
    "text",
    "bash",
    "c",
    "csharp",
    "cpp",
    "css",
    "diff",
    "django",
    "docker",
    "elixir",
    "go",
    "haskell",
    "html",
    "ini",
    "java",
    "javascript",
    "json",
    "kotlin",
    "lua",
    "make",
    "markdown",
    "nginx",
    "perl",
    "php",
    "powershell",
    "python",
    "python2",
    "ruby",
    "rust",
    "scala",
    "sql",
    "swift",
    "toml",
    "typescript",
    "xml",
    "yaml",
)
COMMON_LANG_CODES_SET = frozenset(COMMON_LANG_CODES)
_EXTENSION = re.compile(r"^\*(\.[A-Za-z0-9_+-]{1,9})$")
_NAME_MAX, _MIME_MAX = 100, 100


@dataclass(frozen=True)
class LexerRow:
    """A lexer as a `Language` row would hold it; `aliases` are every name Pygments knows it by."""

    name: str
    lang_code: str
    aliases: tuple[str, ...]
    mime: str
    file_extension: str


def lexer_rows() -> list[LexerRow]:
    """Every lexer built into Pygments that has an alias (one without cannot be named), by name."""
    rows = []
    for name, aliases, filenames, mimetypes in get_all_lexers(plugins=False):
        if not aliases:
            continue
        extension = next((m.group(1) for m in map(_EXTENSION.match, filenames) if m), ".txt")
        mime = next((mime for mime in mimetypes if len(mime) <= _MIME_MAX), "text/plain")
        rows.append(LexerRow(name[:_NAME_MAX], aliases[0], tuple(aliases), mime, extension))
    return sorted(rows, key=lambda row: row.name.lower())


def _slug(alias: str) -> str:
    # "c++" and "c#" would both be "c" to slugify, which drops symbols.
    return slugify(alias.replace("+", "p").replace("#", "sharp")) or "language"


def _unique(candidates: Iterable[str], taken: set[str]) -> str:
    """The first of `candidates` that `taken` lacks (compared case-blind), added to `taken`."""
    candidate = next(candidate for candidate in candidates if candidate.lower() not in taken)
    taken.add(candidate.lower())
    return candidate


def languages_sync(language_model) -> int:
    """Add a `Language` row for each Pygments lexer none of whose aliases the table holds; returns how many.

    Takes the model as an argument so that a migration can pass its historical one. Names and slugs are unique in
    the table: a lexer whose name or slug another row has gets its alias or a number after it.
    """
    existing = language_model.objects.values_list("lang_code", "name", "slug")
    codes = {code for code, _, _ in existing}
    names = {name.lower() for _, name, _ in existing}
    slugs = {slug.lower() for _, _, slug in existing}
    new = []
    for row in lexer_rows():
        if codes.intersection(row.aliases):
            continue
        codes.update(row.aliases)
        qualified = f"{row.name} ({row.lang_code})"
        name = _unique(chain([row.name, qualified], (f"{qualified} {n}" for n in count(2))), names)
        slug = _slug(row.lang_code)
        slug = _unique(chain([slug], (f"{slug}-{n}" for n in count(2))), slugs)
        new.append(
            language_model(
                name=name, lang_code=row.lang_code, slug=slug, mime=row.mime, file_extension=row.file_extension
            )
        )
    language_model.objects.bulk_create(new, batch_size=200)
    return len(new)


@functools.cache
def _filename_patterns() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(aliases, patterns) for _, aliases, patterns, _ in get_all_lexers(plugins=False) if aliases]


def lexer_aliases_for_filename(filename: str) -> tuple[str, ...]:
    """The aliases of the lexer for a file of this name (by its patterns alone, not its content); empty when none
    claims it. Where several claim it ("*.sql": SQL, Transact-SQL, MySQL…), a common language wins: Pygments alone
    would pick by its own priorities, which without the content favour a dialect."""
    filename = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not filename:
        return ()
    picked = find_lexer_class_for_filename(filename)
    if picked is not None and COMMON_LANG_CODES_SET.intersection(picked.aliases):
        return tuple(picked.aliases)
    for aliases, patterns in _filename_patterns():
        if COMMON_LANG_CODES_SET.intersection(aliases) and any(fnmatch.fnmatchcase(filename, p) for p in patterns):
            return aliases
    return tuple(picked.aliases) if picked is not None else ()
