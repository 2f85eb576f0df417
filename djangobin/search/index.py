"""The search indexes and the queries asked of them: PostgreSQL's text search and pg_trgm, or SQLite's FTS5.

Two indexes on each database, both kept by the database itself (triggers, generated columns), so every write path
(the site, the admin, a migration, a bulk load) keeps them true:

- Words (every paste): runs of letters and digits, case-folded; punctuation and "_" separate them, so
  `os.path.join` is found by "path" and `foo_bar` by "foo bar". Phrases and prefixes are read from word positions.
  - PostgreSQL: `djangobin_snippet.search_document`, a stored generated tsvector column (the 'simple'
    configuration: no stemming, no stop words, which suits code) with a GIN index (migration 0006_search). Only
    the first 250,000 characters of a paste are indexed: a tsvector holds at most 1 MB of words.
  - SQLite: `djangobin_snippet_fts`, an FTS5 table over the snippet table's own columns (external content) that
    triggers keep in step with every insert, update of the title or code, and delete.
- Substrings (only the pastes with text in a script written without spaces, see `syntax.UNSPACED_CLASS`), for the
  terms in those scripts, where a "word" can be a whole sentence (migrations 0014_search_substrings, 0017):
  - PostgreSQL: `djangobin_snippet.search_unspaced`, a stored generated column holding only the runs of such text
    (NULL for the other pastes), with a partial GIN index of pg_trgm's trigrams and a partial index of ids; a
    term is matched with ILIKE on it (and on the paste's text when it holds other characters too).
  - SQLite: `djangobin_snippet_unspaced`, an FTS5 table with the trigram tokenizer holding those pastes' text;
    LIKE reads the index for a term of 3 characters or more, and scans only those pastes for a shorter one.

A query (`syntax.Query`) becomes one expression for the word index (FTS5's MATCH syntax or a tsquery, each word
quoted as a word, never as syntax) plus SQL conditions for the clauses that need the substring index. The cost of
a query stays bounded however common its words are: each index is asked for the newest SEARCH_CANDIDATES matching
snippets the searcher may see, those are ranked (ts_rank; FTS5's bm25) and the best SEARCH_RESULTS returned; a
query with no word-index part (only substrings) returns its newest matches. On PostgreSQL a phrase is looked for
among the newest PHRASE_CANDIDATES snippets holding all its words (a GIN index knows no positions). When there
were more candidates than that, `Matches.cut` says so and the page tells the searcher older snippets may match.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from djangobin.models import Exposure, Snippet
from djangobin.search.syntax import UNSPACED_CLASS, Query, Term

SEARCH_CANDIDATES = 200
# PostgreSQL: the newest snippets holding all the words of the query's phrases, checked for the phrases themselves.
PHRASE_CANDIDATES = 1_000
SEARCH_RESULTS = 100
INDEXED_CHARACTERS = 250_000
# PostgreSQL looks first among the newest ids where the planner expects this many times the candidates it needs;
# a window of at most WALK_WINDOW ids it may walk (a short walk costs less than a common word's index entries).
WINDOW_MARGIN = 2
WALK_WINDOW = 5_000

# The text 0014's substring index covered: a term holding characters outside those scripts is checked on it too.
PG_SUBSTRING_TEXT = f"left(s.title::text || ' ' || s.original_code, {INDEXED_CHARACTERS})"
_UNSPACED_RUN = re.compile(UNSPACED_CLASS + "+")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _quoted(word: str) -> str:
    """`word` as an FTS5 string or a tsquery lexeme: a word to find, whatever characters it holds."""
    return word.replace('"', '""') if connection.vendor == "sqlite" else word.replace("\\", "\\\\").replace("'", "''")


def _word_expression(term: Term, *, loose: bool = False) -> str:
    """`term` (not a substring) in the word index's own syntax; with `loose`, a phrase's words in any order."""
    if connection.vendor == "sqlite":
        return f'"{_quoted(term.text)}"' + (" *" if term.prefix else "")
    lexemes = [f"'{_quoted(word)}'" for word in term.words]
    if term.prefix:
        lexemes[-1] += ":*"
    return "(" + (" & " if loose else " <-> ").join(lexemes) + ")"


def _any(expressions: list[str], joiner: str) -> str:
    return expressions[0] if len(expressions) == 1 else "(" + f" {joiner} ".join(expressions) + ")"


class _Plan:
    """A query as SQL: `match`, the word index's expression (or None); `loose`, the same without phrases, which a
    GIN index answers without reading the rows: a phrase's words in any order, an excluded phrase left out (both
    for `match` to check afterwards); `conditions` with their `params`."""

    def __init__(self, query: Query):
        self.conditions: list[str] = []
        self.params: list = []
        found = [clause for clause in query.clauses if not any(term.substring for term in clause)]
        word_excluded = [term for term in query.excluded if not term.substring]
        self.match = self.loose = None
        if found:
            self.match = self._expression(found, word_excluded)
            self.loose = self._expression(found, [term for term in word_excluded if len(term.words) == 1], loose=True)
            word_excluded = []
        for clause in query.clauses:
            if any(term.substring for term in clause):
                self._condition([self._term_sql(term) for term in clause], "OR")
        for term in [*word_excluded, *(term for term in query.excluded if term.substring)]:
            self._condition([self._term_sql(term)], "", negate=True)

    @staticmethod
    def _expression(found: list, excluded: list[Term], *, loose: bool = False) -> str:
        and_, or_, not_ = ("AND", "OR", "NOT") if connection.vendor == "sqlite" else ("&", "|", "!")
        clauses = [_any([_word_expression(term, loose=loose) for term in clause], or_) for clause in found]
        match = f" {and_} ".join(clauses)
        if excluded:
            excluded_any = _any([_word_expression(term) for term in excluded], or_)
            match = (
                f"({match}) {not_} {excluded_any}" if connection.vendor == "sqlite" else f"{match} & !{excluded_any}"
            )
        return match

    def _condition(self, parts: list[tuple[str, list]], joiner: str, *, negate: bool = False):
        sql = _any([sql for sql, _ in parts], joiner)
        self.conditions.append(f"NOT {sql}" if negate else sql)
        for _, params in parts:
            self.params.extend(params)

    def _term_sql(self, term: Term) -> tuple[str, list]:
        """A condition on the snippet `s` that `term` matches, for the clauses the word expression cannot hold."""
        if connection.vendor == "postgresql":
            if term.substring:
                return self._postgresql_substring(term.text)
            return "s.search_document @@ to_tsquery('simple', %s)", [_word_expression(term)]
        if term.substring:
            # A term holds no "%", "_" or "\\" (words are letters and digits), and FTS5 reads a LIKE only without
            # an ESCAPE clause. Under 3 characters the trigram index has nothing to look up (and answers "no rows"):
            # `body || ''` makes SQLite scan the table's rows, those pastes only, instead of asking the index.
            body = "body" if len(term.text) >= 3 else "(body || '')"
            sql = f"s.id IN (SELECT rowid FROM djangobin_snippet_unspaced WHERE {body} LIKE %s)"  # noqa: S608 (ours)
            return sql, [f"%{term.text}%"]
        return "s.id IN (SELECT rowid FROM djangobin_snippet_fts WHERE djangobin_snippet_fts MATCH %s)", [
            _word_expression(term)
        ]

    @staticmethod
    def _postgresql_substring(text: str) -> tuple[str, list]:
        """`text` found in `search_unspaced` (migration 0017), the paste's runs of those scripts only: each run of
        the term there, and a term holding other characters (a space, a Latin letter) in the paste's text too."""
        runs = _UNSPACED_RUN.findall(text)
        parts = ["s.search_unspaced IS NOT NULL", *("s.search_unspaced ILIKE %s" for _ in runs)]
        params = [_like_pattern(run) for run in runs]
        if "".join(runs) != text:
            parts.append(f"{PG_SUBSTRING_TEXT} ILIKE %s")
            params.append(_like_pattern(text))
        return "(" + " AND ".join(parts) + ")", params


@dataclass(frozen=True)
class Matches:
    """What a search found: `ids`, best match first; `cut` when only the newest candidates were searched (older
    snippets may match too)."""

    ids: list[int]
    cut: bool = False


def snippet_ids_matching(
    query: Query,
    *,
    now: datetime,
    viewer_id: int | None = None,
    only_viewer: bool = False,
    limit: int = SEARCH_RESULTS,
) -> Matches:
    """Live snippets that `query` matches, best match first: the public ones and every one of `viewer_id`'s own
    (private and unlisted too), or only the viewer's own with `only_viewer`. Ties go to the newer snippet."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no full-text search on {connection.vendor}")
    if only_viewer:
        visible, params = "s.user_id = %s", [viewer_id]
    elif viewer_id is not None:
        visible, params = "(s.exposure = %s OR s.user_id = %s)", [Exposure.PUBLIC.value, viewer_id]
    else:
        visible, params = "s.exposure = %s", [Exposure.PUBLIC.value]
    visible += " AND NOT s.burn_after_reading AND (s.expires_at IS NULL OR s.expires_at > %s)"
    params.append(connection.ops.adapt_datetimefield_value(now))
    plan = _Plan(query)
    where = " AND ".join([visible, *plan.conditions])
    params += plan.params
    # FTS5 reads phrases from its own positions as it walks; a GIN index cannot, so PostgreSQL checks them after.
    phrases = connection.vendor == "postgresql" and plan.loose != plan.match
    count = PHRASE_CANDIDATES if phrases else SEARCH_CANDIDATES
    scored = _newest(plan.loose if phrases else plan.match, where, params, count, ranked=not phrases)
    more = len(scored) > count
    if phrases:
        scored = _phrases_checked(plan.match, [pk for pk, _ in scored[:count]])
    cut = more or len(scored) > SEARCH_CANDIDATES
    candidates = sorted(scored, reverse=True)[:SEARCH_CANDIDATES]
    best = sorted(candidates, key=lambda row: (-row[1], -row[0]))
    return Matches([pk for pk, _ in best[:limit]], cut)


def _newest(match: str | None, where: str, params: list, count: int, *, ranked: bool) -> list[tuple[int, float]]:
    """(id, score) of the newest `count` + 1 matches, newest first (one more than asked: whether there were more);
    every score 0 unless `ranked`.

    FTS5 walks its matches newest first and stops there, whatever the query. PostgreSQL's planner estimates well
    how many rows a word matches, but misjudges what walking the primary key backwards to find them costs (it reads
    each row's stored vector): so its estimate bounds the work instead. The search looks first among the newest
    ids where it expects WINDOW_MARGIN times the candidates it needs, and only if they fall short among all the
    word index's matches, through bitmaps (`_without_plain_index_scans`): only a short window may be walked."""
    if connection.vendor == "sqlite":
        return _select(match, where, params, count + 1, ranked=ranked)
    newest_id, share = _postgresql_estimate(match)
    window = int(WINDOW_MARGIN * count / share) if share else newest_id
    if window < newest_id:
        newer = f"{where} AND s.id > %s", [*params, newest_id - window]
        with nullcontext() if window <= WALK_WINDOW else _without_plain_index_scans():
            scored = _select(match, *newer, count + 1, ranked=ranked)
        if len(scored) > count:
            return scored
    with _without_plain_index_scans():
        return _select(match, where, params, count + 1, ranked=ranked)


@contextmanager
def _without_plain_index_scans() -> Iterator[None]:
    """PostgreSQL plans the statements run inside without plain index scans, which here would be the walk: bitmaps
    of the word index and of the window of ids, ANDed, then only the rows both hold."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
        yield
        # A local setting lasts until the outermost transaction ends, and the caller's may go on.
        cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [before])


def _postgresql_estimate(match: str | None) -> tuple[int, float]:
    """The newest snippet's id, and the share of snippets the planner expects `match` to find (0 for no `match`, or
    a table never analysed)."""
    table = connection.ops.quote_name(Snippet._meta.db_table)
    newest = f"SELECT max(id), (SELECT reltuples FROM pg_class WHERE oid = %s::regclass) FROM {table}"  # noqa: S608 (ours)
    matching = "s.search_document @@ to_tsquery('simple', %s)"
    estimate = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} s WHERE {matching}"  # noqa: S608 (ours)
    with connection.cursor() as cursor:
        cursor.execute(newest, [table])
        newest_id, rows = cursor.fetchone()
        if match is None or not rows or rows < 0:
            return newest_id or 0, 0.0
        cursor.execute(estimate, [match])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return newest_id or 0, plan[0]["Plan"]["Plan Rows"] / rows


def _select(match: str | None, where: str, params: list, limit: int, *, ranked: bool) -> list[tuple[int, float]]:
    """(id, score) of the newest `limit` visible snippets `match` (the word index's expression, or None for none)
    and `where` find."""
    table = connection.ops.quote_name(Snippet._meta.db_table)
    if match is None:
        source, newest, columns, score = f"{table} s", "s.id", "s.id", "0"
    elif connection.vendor == "sqlite":
        source, newest = f"djangobin_snippet_fts f JOIN {table} s ON s.id = f.rowid", "f.rowid"
        columns, score = "s.id, -f.rank AS score", "score"
        where, params = f"djangobin_snippet_fts MATCH %s AND {where}", [match, *params]
    else:
        # Ranked outside: the rank reads the row's whole vector, which only the rows kept need.
        source, newest = f"{table} s, to_tsquery('simple', %s) q", "s.id"
        columns, score = "s.id, s.search_document AS document, q", "ts_rank(document, q)"
        where, params = f"s.search_document @@ q AND {where}", [match, *params]
    if not ranked:
        columns, score = "s.id", "0"
    sql = f"""SELECT id, {score} FROM (
        SELECT {columns} FROM {source} WHERE {where} ORDER BY {newest} DESC LIMIT %s
    ) newest"""  # noqa: S608 (names and expressions are ours)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return cursor.fetchall()


def _phrases_checked(match: str, ids: list[int]) -> list[tuple[int, float]]:
    """(id, ts_rank) of the snippets among `ids` that `match`, phrases and all, finds (PostgreSQL)."""
    table = connection.ops.quote_name(Snippet._meta.db_table)
    sql = f"""SELECT s.id, ts_rank(s.search_document, q) FROM {table} s, to_tsquery('simple', %s) q
        WHERE s.id = ANY(%s) AND s.search_document @@ q"""  # noqa: S608 (names are ours)
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, ids])
        return cursor.fetchall()
