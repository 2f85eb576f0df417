"""Data migrations: what they do to rows that existed before them."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from djangobin.models import Author, Snippet
from djangobin.services.api_tokens import api_token_create
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

activated_at_migration = importlib.import_module("djangobin.migrations.0003_author_activated_at")
lf_migration = importlib.import_module("djangobin.migrations.0011_form_pastes_lf_line_ends")


def test_accounts_that_were_active_or_logged_in_count_as_activated_and_pending_ones_do_not():
    active = make_user()
    deactivated_after_a_login = make_user(is_active=False, last_login=timezone.now())
    pending = make_user(is_active=False)
    Author.objects.update(activated_at=None)
    Author.objects.filter(user=active).delete()  # an account from before every user had a profile

    activated_at_migration.record_existing_activations(apps, None)

    assert Author.objects.get(user=active).activated_at == active.date_joined
    assert Author.objects.get(user=deactivated_after_a_login).activated_at is not None
    assert Author.objects.get(user=pending).activated_at is None


BEFORE, AFTER = ("djangobin", "0003_author_activated_at"), ("djangobin", "0004_snippet_render")


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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores a long value before the columns after it")
def test_on_sqlite_the_code_is_the_last_column_so_lists_never_walk_its_overflow_pages():
    with connection.cursor() as cursor:
        columns = [row[1] for row in cursor.execute("PRAGMA table_info(djangobin_snippet)").fetchall()]
        triggers = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}

    assert columns[-1] == "original_code"
    assert {"djangobin_snippet_fts_insert", "djangobin_snippet_fts_delete", "djangobin_snippet_fts_update"} <= triggers


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the full-text index is SQLite's FTS5")
def test_on_sqlite_the_search_index_merges_once_eight_segments_wait_so_purge_commits_rarely_merge():
    with connection.cursor() as cursor:
        cursor.execute("SELECT v FROM djangobin_snippet_fts_config WHERE k = 'automerge'")
        assert cursor.fetchone() == (8,)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_fork_migration_keeps_the_search_index_following_edits_both_ways(latest):
    from djangobin.search.index import snippet_ids_matching
    from djangobin.search.syntax import parse_query
    from tests.factories import make_snippet

    executor = MigrationExecutor(connection)
    executor.migrate([("djangobin", "0006_search")])  # back: SQLite rebuilds djangobin_snippet
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    snippet = make_snippet(code="aardvark\n")
    snippet.original_code = "zebra\n"
    snippet.save()
    assert set(snippet_ids_matching(parse_query("zebra"), now=timezone.now()).ids) == {snippet.pk}
    assert set(snippet_ids_matching(parse_query("aardvark"), now=timezone.now()).ids) == set()


def test_the_line_end_migration_gives_browser_pastes_lf_and_leaves_every_api_paste_byte_for_byte():
    browser = "a = 1\r\n\r\nb = 2\r\n"
    member, token_holder = make_user(), make_user()
    api_token_create(user=token_holder, name="laptop")
    form_rows = {
        "anonymous": make_snippet(code=browser),
        "member": make_snippet(code=browser, user=member),
        "token holder's, tagged": make_snippet(code=browser, user=token_holder, tags=["demo"]),
    }
    api_rows = {
        "with a poster": make_snippet(code=browser, poster="bob"),
        "token holder's": make_snippet(code=browser, user=token_holder),
        "a lone LF": make_snippet(code="a\r\nb\n"),
        "a lone CR": make_snippet(code="a\r\nb\rc\r\n"),
        "LF only": make_snippet(code="a\nb\n"),
    }
    api_codes = {name: row.original_code for name, row in api_rows.items()}

    lf_migration.form_pastes_lf(apps, None)

    assert {name: Snippet.objects.get(pk=row.pk).original_code for name, row in form_rows.items()} == dict.fromkeys(
        form_rows, "a = 1\n\nb = 2\n"
    )
    assert {name: Snippet.objects.get(pk=row.pk).original_code for name, row in api_rows.items()} == api_codes


def test_the_line_end_migration_works_through_more_rows_than_one_batch(monkeypatch):
    monkeypatch.setattr(lf_migration, "BATCH", 2)
    rows = [make_snippet(code=f"n = {n}\r\n") for n in range(5)]

    lf_migration.form_pastes_lf(apps, None)
    lf_migration.form_pastes_lf(apps, None)  # a second run finds nothing left to do

    assert [Snippet.objects.get(pk=row.pk).original_code for row in rows] == [f"n = {n}\n" for n in range(5)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_revisions_migration_makes_every_existing_snippet_its_own_revision_1_without_copying_its_code(latest):
    from django.contrib.auth.models import AnonymousUser

    from djangobin import revisions
    from djangobin.models import Snippet as CurrentSnippet
    from djangobin.search.index import snippet_ids_matching
    from djangobin.search.syntax import parse_query
    from djangobin.services.revisions import snippet_edit

    before, after = ("djangobin", "0012_expiration_minutes_hours_days"), ("djangobin", "0013_snippet_revisions")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    language = old.get_model("djangobin", "Language").objects.get(lang_code="python")
    for n in range(3):
        old.get_model("djangobin", "Snippet").objects.create(
            original_code=f"aardvark{n} = 1\n", slug=f"old{n}", language=language, created_on=timezone.now()
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])

    new = executor.loader.project_state([after]).apps
    rows = (
        new.get_model("djangobin", "Snippet")
        .objects.order_by("slug")
        .values_list("slug", "revision", "delete_key_hash")
    )
    assert list(rows) == [(f"old{n}", 1, "") for n in range(3)]
    assert not new.get_model("djangobin", "SnippetRevision").objects.exists()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    snippet = CurrentSnippet.objects.get(slug="old1")
    assert revisions.snippet_revision_get(snippet=snippet, number=1).code == "aardvark1 = 1\n"
    # The search index still follows the snippet row: an edit is found by its new words, not its old ones.
    snippet_edit(snippet=snippet, user=AnonymousUser(), authored_slugs=["old1"], code="zebra = 1\n",
                 language=snippet.language, base_revision=1)  # fmt: skip
    assert snippet_ids_matching(parse_query("zebra"), now=timezone.now()).ids == [snippet.pk]
    assert snippet_ids_matching(parse_query("aardvark1"), now=timezone.now()).ids == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_substring_migration_indexes_the_snippets_already_there_and_the_new_ones(latest):
    from djangobin.search.index import snippet_ids_matching
    from djangobin.search.syntax import parse_query
    from tests.factories import make_snippet

    before = ("djangobin", "0013_snippet_revisions")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    language = old.get_model("djangobin", "Language").objects.get(lang_code="python")
    Snippet = old.get_model("djangobin", "Snippet")
    existing = [
        Snippet.objects.create(original_code=code, slug=f"old{n}", language=language, created_on=timezone.now())
        for n, code in enumerate(["x = '日本語のテキスト'\n", "plain = 1\n"])
    ]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = make_snippet(code="y = 'テキストエディタ'\n")

    def found(text):
        return set(snippet_ids_matching(parse_query(text), now=timezone.now()).ids)

    assert found("テキスト") == {existing[0].pk, new.pk}
    assert found("日本") == {existing[0].pk}
    assert found("plain") == {existing[1].pk}


def test_the_substring_migration_keeps_its_own_copies_of_what_the_queries_repeat():
    from djangobin.search import index, syntax

    migration = importlib.import_module("djangobin.migrations.0014_search_substrings")

    assert migration.UNSPACED_CLASS == syntax.UNSPACED_CLASS
    assert migration.INDEXED_CHARACTERS == index.INDEXED_CHARACTERS
    assert index.PG_SUBSTRING_TEXT.replace("s.", "") == migration.PG_SUBSTRING_TEXT
    rows = f"(title::text || ' ' || original_code) ~ '{syntax.UNSPACED_CLASS}'"
    assert rows == migration.PG_SUBSTRING_ROWS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the column is PostgreSQL's")
def test_the_unspaced_column_holds_only_the_runs_of_scripts_without_spaces_and_nothing_for_other_pastes():
    japanese = make_snippet(title="メモ", code="x = 'abc日本語のdef' # 東京\n")
    latin = make_snippet(title="plain", code="x = 'café'\n")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, search_unspaced FROM djangobin_snippet WHERE id IN (%s, %s)", [japanese.pk, latin.pk]
        )
        columns = dict(cursor.fetchall())

    assert columns == {japanese.pk: "メモ 日本語の 東京 ", latin.pk: None}
