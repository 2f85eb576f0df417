"""Markdown pastes shown rendered: the render's sanitised document, and a new render asked for each existing
Markdown paste (`manage.py rehighlight` queues the pending renders)."""

from django.db import migrations, models
from django.db.models import F


def ask_markdown_renders(apps, schema_editor):
    SnippetRender = apps.get_model("djangobin", "SnippetRender")
    SnippetRender.objects.filter(snippet__language__lang_code__in=["markdown", "md"]).update(
        revision=F("revision") + 1, state="pending", html="", note="", rendered_on=None
    )


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0015_every_pygments_language")]

    operations = [
        migrations.AddField(
            model_name="snippetrender",
            name="document",
            field=models.TextField(
                blank=True,
                default="",
                help_text="A Markdown paste rendered and sanitised (djangobin/markdown.py); else empty.",
            ),
        ),
        migrations.RunPython(ask_markdown_renders, migrations.RunPython.noop),
    ]
