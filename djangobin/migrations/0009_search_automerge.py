"""SQLite's search index merges its segments once eight, not four, wait at a level (FTS5's `automerge`).

A delete adds a segment to the index at its COMMIT, and merging is done there too: at a million snippets the
purge's batches that carried a merge ran past 100 ms. Searches read at most twice the segments meanwhile.
"""

from django.db import migrations


def _automerge(segments):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                "INSERT INTO djangobin_snippet_fts (djangobin_snippet_fts, rank) VALUES ('automerge', %s)", [segments]
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0008_code_column_last")]

    operations = [migrations.RunPython(_automerge(8), _automerge(4))]
