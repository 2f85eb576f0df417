"""Full-text search over snippet titles and code: PostgreSQL's text search or SQLite's FTS5, ranked and bounded.

Both index words: runs of letters and digits, case-folded; punctuation and "_" separate them, so `os.path.join`
is found by "path" and `foo_bar` by "foo bar". A query matches the snippets that contain all its words.

- PostgreSQL: `djangobin_snippet.search_document`, a stored generated tsvector column (the 'simple'
  configuration: no stemming, no stop words, which suits code) with a GIN index (migration 0006_search). Stored
  rather than computed in the query, so ranking a candidate reads its vector instead of parsing its code again.
  Only the first 250,000 characters of a paste are indexed: a tsvector holds at most 1 MB of words.
- SQLite: `djangobin_snippet_fts`, an FTS5 table over the snippet table's own columns (external content) that
  triggers on `djangobin_snippet` keep in step with every insert, update of the title or code, and delete.

Ranking (ts_rank; FTS5's bm25) is done over the newest SEARCH_CANDIDATES matching snippets the searcher may see,
and the best SEARCH_RESULTS of them are returned: the cost of a query stays bounded however common its words are.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction

from djangobin.models import Exposure, Snippet

SEARCH_CANDIDATES = 200
SEARCH_RESULTS = 100
MAX_TERMS = 10
_WORD = re.compile(r"[^\W_]+")
# FTS5's own default, which the project never changes.
FTS_AUTOMERGE = 4
# One step of merging the index after a bulk delete: about that many pages written, tens of ms.
FTS_MERGE_PAGES = 200


def search_terms(query: str) -> list[str]:
    """The words of `query` as the indexes see them: lower-cased, de-duplicated, at most MAX_TERMS."""
    return list(dict.fromkeys(word.lower() for word in _WORD.findall(query or "")))[:MAX_TERMS]


def snippet_ids_matching(
    terms: list[str], *, now: datetime, owner_id: int | None = None, limit: int = SEARCH_RESULTS
) -> list[int]:
    """Ids of live snippets containing every one of `terms`, best match first: public ones, or every one of
    `owner_id`'s own. Ties go to the newer snippet."""
    if not terms:
        return []
    table = connection.ops.quote_name(Snippet._meta.db_table)
    if owner_id is None:
        visible, params = "s.exposure = %s", [Exposure.PUBLIC.value]
    else:
        visible, params = "s.user_id = %s", [owner_id]
    visible += " AND NOT s.burn_after_reading AND (s.expires_at IS NULL OR s.expires_at > %s)"
    params.append(connection.ops.adapt_datetimefield_value(now))
    if connection.vendor == "postgresql":
        sql = f"""
            SELECT id FROM (
                SELECT s.id, ts_rank(s.search_document, q) AS score
                FROM {table} s, plainto_tsquery('simple', %s) q
                WHERE s.search_document @@ q AND {visible}
                ORDER BY s.id DESC LIMIT {SEARCH_CANDIDATES}
            ) candidates ORDER BY score DESC, id DESC LIMIT %s"""  # noqa: S608 (names and numbers are ours)
        params = [" ".join(terms), *params, limit]
    elif connection.vendor == "sqlite":
        sql = f"""
            SELECT id FROM (
                SELECT s.id AS id, f.rank AS score
                FROM djangobin_snippet_fts f JOIN {table} s ON s.id = f.rowid
                WHERE djangobin_snippet_fts MATCH %s AND {visible}
                ORDER BY f.rowid DESC LIMIT {SEARCH_CANDIDATES}
            ) ORDER BY score, id DESC LIMIT %s"""  # noqa: S608 (names and numbers are ours)
        # Each word quoted: FTS5 then reads it as a word to find, never as query syntax (AND, NEAR, "*", …).
        params = [" ".join(f'"{term}"' for term in terms), *params, limit]
    else:
        raise NotImplementedError(f"no full-text search on {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def search_index_merged_after(step_done: Callable[[], None]) -> Iterator[None]:
    """On SQLite, hold FTS5's automatic merging of the index during a bulk delete, then merge in steps of about
    FTS_MERGE_PAGES pages, each its own short transaction followed by `step_done()`; elsewhere, nothing.

    Each COMMIT writes the tokens of the rows it deleted as a new segment of the index, and with automerge on some
    COMMITs also merge segments: at a million snippets that made a purge in short batches slower than one DELETE of
    every row (see "Expiry purge" in docs/benchmarks.md); merged at the end, the work is done once. The setting is
    stored in the database: a purge that dies midway leaves automerge off (searches still work, over more segments,
    and FTS5 still merges a level that reaches 16 of them) until the next purge ends."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    _fts_command("automerge", 0)
    try:
        yield
    finally:
        _fts_command("automerge", FTS_AUTOMERGE)
        while _fts_command("merge", FTS_MERGE_PAGES) >= 2:  # FTS5: fewer than 2 rows written means nothing left
            step_done()


def _fts_command(command: str, value: int) -> int:
    """Run an FTS5 special command in its own transaction; returns the rows it wrote."""
    with transaction.atomic(), connection.cursor() as cursor:
        before = connection.connection.total_changes
        cursor.execute(
            "INSERT INTO djangobin_snippet_fts (djangobin_snippet_fts, rank) VALUES (%s, %s)", [command, value]
        )
        return connection.connection.total_changes - before
