"""On PostgreSQL, the substring index (0014) reads a column holding only the paste's text in scripts written without
spaces: `search_unspaced`, a stored generated column, NULL for a paste without such text.

A term of 2 characters has no trigram to look up, so it is checked on every paste holding such text: on 0014's
index that meant the whole title and code of each, and a regular expression over them. The column holds those
scripts' runs only (every other run of characters becomes one space), so that check reads a few bytes a paste;
its partial index on `id` lists those pastes newest first. SQLite keeps 0014's FTS5 table: its triggers cannot
compute such a column, and its scan of those pastes is not the slow part there.
"""

import importlib

from django.db import migrations

search = importlib.import_module("djangobin.migrations.0006_search")
substrings = importlib.import_module("djangobin.migrations.0014_search_substrings")

# The class without its brackets, for the complement; copies, as a migration must keep what it did, that
# tests/djangobin/test_migrations.py checks against djangobin/search/index.py.
UNSPACED_RANGES = substrings.UNSPACED_CLASS[1:-1]
PG_UNSPACED_TEXT = (
    f"CASE WHEN {substrings.PG_SUBSTRING_ROWS} "
    f"THEN regexp_replace({substrings.PG_SUBSTRING_TEXT}, '[^{UNSPACED_RANGES}]+', ' ', 'g') END"
)

POSTGRESQL = [
    f"ALTER TABLE djangobin_snippet ADD COLUMN search_unspaced text GENERATED ALWAYS AS ({PG_UNSPACED_TEXT}) STORED",
    "DROP INDEX djangobin_snippet_substrings",
    "CREATE INDEX djangobin_snippet_unspaced ON djangobin_snippet USING gin (search_unspaced gin_trgm_ops) "
    "WHERE search_unspaced IS NOT NULL",
    "CREATE INDEX djangobin_snippet_unspaced_id ON djangobin_snippet (id) WHERE search_unspaced IS NOT NULL",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX djangobin_snippet_unspaced_id",
    "DROP INDEX djangobin_snippet_unspaced",
    "ALTER TABLE djangobin_snippet DROP COLUMN search_unspaced",
    substrings.POSTGRESQL[1],
]


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0016_snippetrender_document")]

    operations = [search.RunSQLOn("postgresql", POSTGRESQL, POSTGRESQL_REVERSE)]
