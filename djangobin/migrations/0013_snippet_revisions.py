"""Revisions: a table of a snippet's saved versions, and on the snippet its latest revision's number and the hash of
an anonymous author's delete secret.

No revision rows are made for existing snippets: a snippet without rows is its own revision 1 (the snippet row is
the text), so the migration copies no code however many snippets there are, and a snippet's first edit writes
its revision 1. Both new columns are added without rewriting the table on PostgreSQL (a constant default). On
SQLite, `ALTER TABLE … ADD COLUMN` with a constant default is as cheap, but the columns land after the code, so
the table is then rebuilt once with the code last again (0008_code_column_last, which also makes the full-text
triggers again); Django's own AddField would rebuild it once per column and leave the code in the middle.
"""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

code_column_last = importlib.import_module("djangobin.migrations.0008_code_column_last").code_column_last

NEW_COLUMNS = ("revision", "delete_key_hash")
SQLITE_COLUMNS = {
    "revision": "integer unsigned NOT NULL DEFAULT 1 CHECK (revision >= 0)",
    "delete_key_hash": "varchar(64) NOT NULL DEFAULT ''",
}


def snippet_columns_add(apps, schema_editor):
    snippet = apps.get_model("djangobin", "Snippet")
    if schema_editor.connection.vendor != "sqlite":
        for name in NEW_COLUMNS:
            schema_editor.add_field(snippet, snippet._meta.get_field(name))
        return
    table = schema_editor.quote_name(snippet._meta.db_table)
    for name in NEW_COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {schema_editor.quote_name(name)} {SQLITE_COLUMNS[name]}")
    code_column_last(apps, schema_editor)


def snippet_columns_remove(apps, schema_editor):
    # A plain DROP COLUMN on both databases: on SQLite it keeps the code last and the search triggers.
    table = schema_editor.quote_name(apps.get_model("djangobin", "Snippet")._meta.db_table)
    for name in NEW_COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0012_expiration_minutes_hours_days")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="snippet",
                    name="revision",
                    field=models.PositiveIntegerField(
                        default=1, editable=False, help_text="The number of its latest revision: each edit adds one."
                    ),
                ),
                migrations.AddField(
                    model_name="snippet",
                    name="delete_key_hash",
                    field=models.CharField(blank=True, editable=False, max_length=64),
                ),
            ],
        ),
        migrations.RunPython(snippet_columns_add, snippet_columns_remove, elidable=False),
        migrations.CreateModel(
            name="SnippetRevision",
            # The big columns last (see 0008_code_column_last): the foreign keys before them.
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "snippet",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="revisions", to="djangobin.snippet"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("title", models.CharField(blank=True, max_length=200)),
                (
                    "language",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="djangobin.language"
                    ),
                ),
                ("created_on", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "diff_state",
                    models.CharField(
                        choices=[
                            ("none", "Nothing to compare with"),
                            ("pending", "Waiting for the worker"),
                            ("ready", "Ready"),
                            ("skipped", "Not compared"),
                        ],
                        default="none",
                        max_length=8,
                    ),
                ),
                (
                    "diff_note",
                    models.CharField(blank=True, help_text="Why there is no diff, when there is none.", max_length=200),
                ),
                ("lines_added", models.PositiveIntegerField(default=0)),
                ("lines_removed", models.PositiveIntegerField(default=0)),
                ("diff_html", models.TextField(blank=True)),
                ("code", models.TextField()),
            ],
            options={
                "ordering": ["snippet", "number"],
                "constraints": [models.UniqueConstraint(fields=("snippet", "number"), name="snippet_revision_number")],
            },
        ),
    ]
