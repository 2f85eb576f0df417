"""On SQLite, move `original_code` to the end of djangobin_snippet's rows.

SQLite stores a long value on a chain of overflow pages, and reaching a column stored after it means walking that
chain: every list query (which reads the title, dates, hits and exposure, never the code) read through each big
paste it listed. With the code last, every other column sits in the row's first page. PostgreSQL keeps long
values out of line (TOAST), so its table is left as it is.

A column added to the table later lands after the code again: move the code last in the same migration.
"""

import importlib

from django.db import migrations, models

# The full-text triggers (0006) are dropped with the old table: created again over the new one.
FTS_TRIGGERS = [sql for sql in importlib.import_module("djangobin.migrations.0006_search").SQLITE if "TRIGGER" in sql]


def code_column_last(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    snippet = apps.get_model("djangobin", "Snippet")
    code = snippet._meta.get_field("original_code")
    # The table rebuilt with the field "altered" into a fresh clone of itself: a field made later sorts after the
    # others, so the column comes last, its data copied from the old one.
    last = code.clone()
    last.set_attributes_from_name(code.name)
    # _remake_table clones self-referential fields (forked_from) afresh: stay later than those clones too.
    last.creation_counter = models.Field.creation_counter + 1_000_000
    schema_editor._remake_table(snippet, alter_fields=[(code, last)])
    for sql in FTS_TRIGGERS:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0007_fork_detect")]

    operations = [migrations.RunPython(code_column_last, migrations.RunPython.noop, elidable=False)]
