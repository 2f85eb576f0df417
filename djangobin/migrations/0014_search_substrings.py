"""The substring index (djangobin/search/index.py): terms in scripts written without spaces are found inside longer
runs of text, `日本語` in `日本語のテキスト`, where the word indexes of 0006 hold the whole run as one word.

Only the pastes that hold such text are indexed, so the index costs nothing for the others:

- PostgreSQL: the pg_trgm extension and a partial GIN trigram index. `CREATE EXTENSION pg_trgm` needs a superuser,
  or (pg_trgm being a trusted extension since PostgreSQL 13) a role with CREATE on the database; a deployment whose
  role has neither creates the extension once as a superuser before migrating (`IF NOT EXISTS` then skips it).
- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or later) holding those pastes' title and code,
  kept by triggers on djangobin_snippet whose WHEN clause tests for such text, and filled here from the existing
  pastes. Like 0006's, a later migration that makes SQLite rebuild djangobin_snippet drops these triggers with the
  old table and must create them again (`SQLITE_TRIGGERS`).
"""

import importlib

from django.db import migrations

search = importlib.import_module("djangobin.migrations.0006_search")

# Copies, as a migration must keep what it did, of djangobin.search.syntax.UNSPACED_CLASS and of the expressions
# djangobin/search/index.py repeats in its queries so that PostgreSQL's planner uses the partial index; a test
# (tests/djangobin/test_migrations.py) checks that they agree.
UNSPACED_CLASS = (
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]"
)
INDEXED_CHARACTERS = 250_000
PG_SUBSTRING_TEXT = f"left(title::text || ' ' || original_code, {INDEXED_CHARACTERS})"
PG_SUBSTRING_ROWS = f"(title::text || ' ' || original_code) ~ '{UNSPACED_CLASS}'"

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX djangobin_snippet_substrings ON djangobin_snippet USING gin (({PG_SUBSTRING_TEXT}) gin_trgm_ops) "
    f"WHERE {PG_SUBSTRING_ROWS}",
]
POSTGRESQL_REVERSE = ["DROP INDEX djangobin_snippet_substrings"]

_TEXT = f"substr(new.title || ' ' || new.original_code, 1, {INDEXED_CHARACTERS})"
_HAS_UNSPACED = f"(new.title || ' ' || new.original_code) GLOB '*{UNSPACED_CLASS}*'"
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER djangobin_snippet_unspaced_insert AFTER INSERT ON djangobin_snippet WHEN {_HAS_UNSPACED} BEGIN
        INSERT INTO djangobin_snippet_unspaced (rowid, body) VALUES (new.id, {_TEXT});
    END
    """,
    """
    CREATE TRIGGER djangobin_snippet_unspaced_delete AFTER DELETE ON djangobin_snippet BEGIN
        DELETE FROM djangobin_snippet_unspaced WHERE rowid = old.id;
    END
    """,
    f"""
    CREATE TRIGGER djangobin_snippet_unspaced_update AFTER UPDATE OF title, original_code ON djangobin_snippet BEGIN
        DELETE FROM djangobin_snippet_unspaced WHERE rowid = old.id;
        INSERT INTO djangobin_snippet_unspaced (rowid, body) SELECT new.id, {_TEXT} WHERE {_HAS_UNSPACED};
    END
    """,
]
SQLITE = [
    # detail=none: only which pastes hold a trigram, not where; LIKE checks each candidate's text anyway.
    "CREATE VIRTUAL TABLE djangobin_snippet_unspaced USING fts5(body, tokenize='trigram', detail='none')",
    *SQLITE_TRIGGERS,
    "INSERT INTO djangobin_snippet_unspaced (rowid, body) "
    f"SELECT new.id, {_TEXT} FROM djangobin_snippet new WHERE {_HAS_UNSPACED}",
]
SQLITE_REVERSE = [
    "DROP TRIGGER djangobin_snippet_unspaced_update",
    "DROP TRIGGER djangobin_snippet_unspaced_delete",
    "DROP TRIGGER djangobin_snippet_unspaced_insert",
    "DROP TABLE djangobin_snippet_unspaced",
]


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0013_snippet_revisions")]

    operations = [
        search.RunSQLOn("postgresql", POSTGRESQL, POSTGRESQL_REVERSE),
        search.RunSQLOn("sqlite", SQLITE, SQLITE_REVERSE),
    ]
