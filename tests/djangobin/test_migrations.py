"""Migrations that move data: checked by migrating a database with rows in it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE, AFTER = ("djangobin", "0002_seed_languages"), ("djangobin", "0003_snippet_render")


@pytest.fixture
def latest():
    """Whatever a test migrates to, the database ends at the latest migrations again for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_render_migration_leaves_every_existing_snippet_a_pending_render_and_drops_the_stored_html(latest):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    language = old.get_model("djangobin", "Language").objects.get(lang_code="python")
    Snippet = old.get_model("djangobin", "Snippet")
    for n in range(3):
        Snippet.objects.create(
            original_code=f"x = {n}\n",
            highlighted_code="<table>…</table>",
            slug=f"old{n}",
            language=language,
            created_on=timezone.now(),
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])

    new = executor.loader.project_state([AFTER]).apps
    renders = new.get_model("djangobin", "SnippetRender").objects.order_by("snippet__slug")
    assert [(r.snippet.slug, r.state, r.revision, r.html) for r in renders] == [
        (f"old{n}", "pending", 1, "") for n in range(3)
    ]
    assert "highlighted_code" not in {f.name for f in new.get_model("djangobin", "Snippet")._meta.get_fields()}
