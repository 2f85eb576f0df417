"""What a search box's text means: words, "phrases", prefixes (`item*`), exclusions (`-sys`, `NOT sys`) and OR.

The text is read here, once, into a `Query`; each database's index then gets an expression built from it
(`djangobin/search/index.py`), so both databases answer the same text the same way and no user text ever reaches
a query parser as syntax. The rules:

- Terms are joined by AND (implicit, or an explicit `AND`); `OR` between two terms makes them alternatives and
  binds tighter than AND, as in web search engines: `sad cat OR dog` is `sad AND (cat OR dog)`. Only upper-case
  `AND`, `OR` and `NOT` are operators: `or` is a word to find (code is full of it).
- A word is a run of letters and digits, case-folded; punctuation separates words, so a chunk such as `os.path` or
  `foo_bar` is a phrase of its words, in order, as a quoted `"os path"` is.
- `item*` finds words starting with "item" (at least MIN_PREFIX letters); `-word`, `-"a phrase"` and `NOT word`
  exclude; parentheses and other punctuation are ignored.
- A word in a script written without spaces (Chinese, Japanese, Korean, Thai, …) is a substring to find anywhere
  in the text: `日本語` finds `日本語のテキスト`, where the word indexes would hold one long "word".

A query that excludes but finds nothing, has no words, or has a too short prefix is refused with a message the
search form shows; a query is never an error page.
"""

import re
from dataclasses import dataclass

MAX_TERMS = 10
MIN_PREFIX = 3
WORD = re.compile(r"[^\W_]+")

# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, Hiragana, Katakana, CJK ideographs
# (with extension A and the compatibility block, and the supplementary planes), Hangul syllables (Korean spaces
# its phrases but glues particles to its words), half-width Katakana. Written as literal characters: SQLite's
# GLOB and PostgreSQL's regular expressions (the index triggers and the partial index) read the same class.
UNSPACED_RANGES = (
    ("\u0e00", "\u0eff"),
    ("\u1000", "\u109f"),
    ("\u1780", "\u17ff"),
    ("\u3040", "\u30ff"),
    ("\u31f0", "\u31ff"),
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uac00", "\ud7af"),
    ("\uf900", "\ufaff"),
    ("\uff66", "\uff9f"),
    ("\U00020000", "\U0002fa1f"),
)
UNSPACED_CLASS = "[" + "".join(f"{low}-{high}" for low, high in UNSPACED_RANGES) + "]"
_UNSPACED = re.compile(UNSPACED_CLASS)
# A chunk: a quoted phrase (its closing quote optional), or a run of anything but spaces and quotes.
_CHUNK = re.compile(r'(-*)"([^"]*)"?|[^\s"]+')


class SearchQueryError(ValueError):
    """The text cannot be searched; the message says why, in the searcher's words."""


@dataclass(frozen=True)
class Term:
    """Words to find in order (one word, or a phrase); the last one a prefix if `prefix`. A `substring` term is
    found anywhere in the text, inside words too: its one "word" is the text to find."""

    words: tuple[str, ...]
    prefix: bool = False
    substring: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Query:
    """`clauses` must all match, each by any one of its terms; no term of `excluded` may match."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[Term, ...]:
        """The terms to find (not the excluded ones), in the order typed."""
        return tuple(term for clause in self.clauses for term in clause)


def is_unspaced(text: str) -> bool:
    return _UNSPACED.search(text) is not None


def _term(words: list[str], *, prefix: bool) -> Term:
    words = [word.lower() for word in words]
    if any(is_unspaced(word) for word in words):
        # A phrase in such a script is found as it was typed, one space between its words.
        return Term((" ".join(words),), substring=True)
    if prefix and len(words[-1]) < MIN_PREFIX:
        raise SearchQueryError(f"A prefix needs at least {MIN_PREFIX} letters or digits before the *.")
    return Term(tuple(words), prefix=prefix)


def _items(text: str):
    """(negated, term or None, operator or None) for each chunk of `text`, in order."""
    negate_next = False
    for chunk in _CHUNK.finditer(text):
        raw = chunk.group(0)
        if chunk.group(2) is not None:  # a quoted phrase
            negated, words, prefix = bool(chunk.group(1)), WORD.findall(chunk.group(2)), False
        elif raw in ("AND", "OR"):
            yield False, None, raw
            continue
        elif raw == "NOT":
            negate_next = True
            continue
        else:
            negated = raw.startswith("-")
            words, prefix = WORD.findall(raw), raw.endswith("*")
        if words:
            yield negated or negate_next, _term(words, prefix=prefix), None
            negate_next = False


def parse_query(text: str) -> Query:
    """The `Query` that `text` asks for; SearchQueryError if it asks for nothing that can be searched."""
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    joined = False  # the next term to find is an alternative of the last clause
    after_term = False  # the last item was a term to find (so an OR may follow it)
    seen: set[Term] = set()
    for negated, term, operator in _items(text or ""):
        if operator is not None:
            joined = operator == "OR" and after_term
            continue
        if len(seen) >= MAX_TERMS:
            break
        if term in seen:
            joined = after_term = False
            continue
        seen.add(term)
        if negated:
            excluded.append(term)
        elif joined:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        # `a OR -b` has no meaning of its own here: the exclusion stands alone and ends the alternatives.
        joined, after_term = False, not negated
    if not clauses:
        if excluded:
            raise SearchQueryError("Add a word to find: a search cannot only exclude words (-word).")
        raise SearchQueryError("Search finds words (letters and digits); this query has none.")
    return Query(tuple(tuple(clause) for clause in clauses), tuple(excluded))
