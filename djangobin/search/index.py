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
  terms in those scripts, where a "word" can be a whole sentence (migration 0014_search_substrings):
  - PostgreSQL: a partial GIN index with pg_trgm's trigram operators over the first 250,000 characters of the
    title and code, whose rows are the pastes holding such text; a term is matched with ILIKE.
  - SQLite: `djangobin_snippet_unspaced`, an FTS5 table with the trigram tokenizer holding those pastes' text;
    LIKE reads the index for a term of 3 characters or more, and scans only those pastes for a shorter one.

A query (`syntax.Query`) becomes one expression for the word index (FTS5's MATCH syntax or a tsquery, each word
quoted as a word, never as syntax) plus SQL conditions for the clauses that need the substring index. Ranking
(ts_rank; FTS5's bm25) is done over the newest SEARCH_CANDIDATES matching snippets the searcher may see, and the
best SEARCH_RESULTS of them are returned: the cost of a query stays bounded however common its words are. A
query with no word-index part (only substrings) returns its newest matches.
"""

from datetime import datetime

from django.db import connection

from djangobin.models import Exposure, Snippet
from djangobin.search.syntax import UNSPACED_CLASS, Query, Term

SEARCH_CANDIDATES = 200
SEARCH_RESULTS = 100
INDEXED_CHARACTERS = 250_000

# The substring index's text and the condition its rows meet, on PostgreSQL, as migration 0014_search_substrings
# built the partial index: repeated verbatim in a query, so that the planner uses that index.
PG_SUBSTRING_TEXT = f"left(s.title::text || ' ' || s.original_code, {INDEXED_CHARACTERS})"
PG_SUBSTRING_ROWS = f"(s.title::text || ' ' || s.original_code) ~ '{UNSPACED_CLASS}'"


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _quoted(word: str) -> str:
    """`word` as an FTS5 string or a tsquery lexeme: a word to find, whatever characters it holds."""
    return word.replace('"', '""') if connection.vendor == "sqlite" else word.replace("\\", "\\\\").replace("'", "''")


def _word_expression(term: Term) -> str:
    """`term` (not a substring) in the word index's own syntax."""
    if connection.vendor == "sqlite":
        return f'"{_quoted(term.text)}"' + (" *" if term.prefix else "")
    lexemes = [f"'{_quoted(word)}'" for word in term.words]
    if term.prefix:
        lexemes[-1] += ":*"
    return "(" + " <-> ".join(lexemes) + ")"


def _any(expressions: list[str], joiner: str) -> str:
    return expressions[0] if len(expressions) == 1 else "(" + f" {joiner} ".join(expressions) + ")"


class _Plan:
    """A query as SQL: `match`, the word index's expression (or None); `conditions` with their `params`."""

    def __init__(self, query: Query):
        self.conditions: list[str] = []
        self.params: list = []
        found = [clause for clause in query.clauses if not any(term.substring for term in clause)]
        word_excluded = [term for term in query.excluded if not term.substring]
        self.match = None
        if found:
            and_, or_, not_ = ("AND", "OR", "NOT") if connection.vendor == "sqlite" else ("&", "|", "!")
            match = f" {and_} ".join(_any([_word_expression(term) for term in clause], or_) for clause in found)
            if word_excluded:
                excluded = _any([_word_expression(term) for term in word_excluded], or_)
                match = f"({match}) {not_} {excluded}" if connection.vendor == "sqlite" else f"{match} & !{excluded}"
            self.match = match
            word_excluded = []
        for clause in query.clauses:
            if any(term.substring for term in clause):
                self._condition([self._term_sql(term) for term in clause], "OR")
        for term in [*word_excluded, *(term for term in query.excluded if term.substring)]:
            self._condition([self._term_sql(term)], "", negate=True)

    def _condition(self, parts: list[tuple[str, list]], joiner: str, *, negate: bool = False):
        sql = _any([sql for sql, _ in parts], joiner)
        self.conditions.append(f"NOT {sql}" if negate else sql)
        for _, params in parts:
            self.params.extend(params)

    def _term_sql(self, term: Term) -> tuple[str, list]:
        """A condition on the snippet `s` that `term` matches, for the clauses the word expression cannot hold."""
        if connection.vendor == "postgresql":
            if term.substring:
                return f"({PG_SUBSTRING_ROWS} AND {PG_SUBSTRING_TEXT} ILIKE %s)", [_like_pattern(term.text)]
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


def snippet_ids_matching(
    query: Query,
    *,
    now: datetime,
    viewer_id: int | None = None,
    only_viewer: bool = False,
    limit: int = SEARCH_RESULTS,
) -> list[int]:
    """Ids of live snippets that `query` matches, best match first: the public ones and every one of `viewer_id`'s
    own (private and unlisted too), or only the viewer's own with `only_viewer`. Ties go to the newer snippet."""
    table = connection.ops.quote_name(Snippet._meta.db_table)
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
    if connection.vendor == "postgresql":
        if plan.match is None:
            sql = f"""
                SELECT s.id FROM {table} s WHERE {where}
                ORDER BY s.id DESC LIMIT LEAST({SEARCH_CANDIDATES}, %s)"""  # noqa: S608 (names and numbers are ours)
        else:
            sql = f"""
                SELECT id FROM (
                    SELECT s.id, ts_rank(s.search_document, q) AS score
                    FROM {table} s, to_tsquery('simple', %s) q
                    WHERE s.search_document @@ q AND {where}
                    ORDER BY s.id DESC LIMIT {SEARCH_CANDIDATES}
                ) candidates ORDER BY score DESC, id DESC LIMIT %s"""  # noqa: S608 (names and numbers are ours)
            params.insert(0, plan.match)
    elif connection.vendor == "sqlite":
        if plan.match is None:
            sql = f"""
                SELECT s.id FROM {table} s WHERE {where}
                ORDER BY s.id DESC LIMIT MIN({SEARCH_CANDIDATES}, %s)"""  # noqa: S608 (names and numbers are ours)
        else:
            sql = f"""
                SELECT id FROM (
                    SELECT s.id AS id, f.rank AS score
                    FROM djangobin_snippet_fts f JOIN {table} s ON s.id = f.rowid
                    WHERE djangobin_snippet_fts MATCH %s AND {where}
                    ORDER BY f.rowid DESC LIMIT {SEARCH_CANDIDATES}
                ) ORDER BY score, id DESC LIMIT %s"""  # noqa: S608 (names and numbers are ours)
            params.insert(0, plan.match)
    else:
        raise NotImplementedError(f"no full-text search on {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [row[0] for row in cursor.fetchall()]
