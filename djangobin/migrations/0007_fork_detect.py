"""Forks (`Snippet.forked_from`) and "Detect" (`SnippetRender.detect_language`).

The nullable foreign key is added by ALTER TABLE ADD COLUMN, which keeps 0006's FTS5 triggers on SQLite; removing
it (migrating back) makes SQLite rebuild djangobin_snippet, which drops them, so the reverse creates them again.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

search = importlib.import_module("djangobin.migrations.0006_search")
SQLITE_TRIGGERS = [sql for sql in search.SQLITE if "CREATE TRIGGER" in sql]


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0006_search")]

    operations = [
        # First, so that migrating back runs it last: after the rebuild that dropped the triggers.
        search.RunSQLOn("sqlite", migrations.RunSQL.noop, SQLITE_TRIGGERS),
        migrations.AddField(
            model_name="snippet",
            name="forked_from",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The snippet this one was started from (“New paste from this”).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="forks",
                to="djangobin.snippet",
            ),
        ),
        migrations.AddField(
            model_name="snippetrender",
            name="detect_language",
            field=models.BooleanField(
                default=False, help_text="Guess the language (Pygments' guess_lexer) before highlighting."
            ),
        ),
    ]
