"""Every Pygments lexer as a language (djangobin/lexers.py); the first seed's rows are kept as they are."""

from django.db import migrations

from djangobin.lexers import languages_sync


def seed(apps, schema_editor):
    languages_sync(apps.get_model("djangobin", "Language"))


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0014_search_substrings")]

    # Going back keeps the rows: snippets may already use them (their foreign key protects them).
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
