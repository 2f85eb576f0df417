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
from datetime import datetime

from django.db import connection

from djangobin.models import Exposure, Snippet

SEARCH_CANDIDATES = 200
SEARCH_RESULTS = 100
MAX_TERMS = 10
_WORD = re.compile(r"[^\W_]+")


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
