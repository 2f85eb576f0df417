"""Full-text search (djangobin/search/index.py): a GIN-indexed tsvector on PostgreSQL, an FTS5 table on SQLite.

Each statement runs only on its own database. A later migration that makes SQLite rebuild djangobin_snippet
(an AlterField or RemoveField does) drops the triggers with the old table: it must create them again.
"""

from django.db import migrations


class RunSQLOn(migrations.RunSQL):
    """RunSQL on one database vendor only; a no-op elsewhere."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# Punctuation (ASCII) becomes a space before parsing, so that PostgreSQL's parser never reads `os.path.join` or
# `x.org/a` as one host or file name: every index sees the same words.
POSTGRESQL = [
    """
    ALTER TABLE djangobin_snippet ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, regexp_replace(
            left(title::text || ' ' || original_code, 250000), '[!-/:-@\\[-`{-~]+', ' ', 'g'))
    ) STORED
    """,
    "CREATE INDEX djangobin_snippet_search ON djangobin_snippet USING gin (search_document)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX djangobin_snippet_search",
    "ALTER TABLE djangobin_snippet DROP COLUMN search_document",
]

SQLITE = [
    """
    CREATE VIRTUAL TABLE djangobin_snippet_fts USING fts5(
        title, original_code, content='djangobin_snippet', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
    )
    """,
    """
    CREATE TRIGGER djangobin_snippet_fts_insert AFTER INSERT ON djangobin_snippet BEGIN
        INSERT INTO djangobin_snippet_fts (rowid, title, original_code) VALUES (new.id, new.title, new.original_code);
    END
    """,
    """
    CREATE TRIGGER djangobin_snippet_fts_delete AFTER DELETE ON djangobin_snippet BEGIN
        INSERT INTO djangobin_snippet_fts (djangobin_snippet_fts, rowid, title, original_code)
        VALUES ('delete', old.id, old.title, old.original_code);
    END
    """,
    """
    CREATE TRIGGER djangobin_snippet_fts_update AFTER UPDATE OF title, original_code ON djangobin_snippet BEGIN
        INSERT INTO djangobin_snippet_fts (djangobin_snippet_fts, rowid, title, original_code)
        VALUES ('delete', old.id, old.title, old.original_code);
        INSERT INTO djangobin_snippet_fts (rowid, title, original_code) VALUES (new.id, new.title, new.original_code);
    END
    """,
    "INSERT INTO djangobin_snippet_fts (djangobin_snippet_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER djangobin_snippet_fts_update",
    "DROP TRIGGER djangobin_snippet_fts_delete",
    "DROP TRIGGER djangobin_snippet_fts_insert",
    "DROP TABLE djangobin_snippet_fts",
]


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0005_api_burn_tokens")]

    operations = [
        RunSQLOn("postgresql", POSTGRESQL, POSTGRESQL_REVERSE),
        RunSQLOn("sqlite", SQLITE, SQLITE_REVERSE),
    ]
