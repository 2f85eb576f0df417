from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import SET_NULL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from djangobin.expiration import Expiration
from djangobin.models import Snippet, SnippetRender, SnippetRevision, Tag
from djangobin.services.purge import snippets_expired_delete
from djangobin.services.revisions import snippet_edit
from tests.factories import make_snippet

pytestmark = pytest.mark.django_db


def expiring_at(moment, **kwargs):
    snippet = make_snippet(expiration=Expiration.WEEK, **kwargs)
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=moment)
    return snippet.pk


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_the_purge_deletes_a_snippet_expiring_exactly_now_keeps_one_a_second_later_and_never_touches_never(
    batch_size,
):
    now = timezone.now()
    exactly_now = expiring_at(now, tags=["a"])
    long_ago = expiring_at(now - timedelta(days=400), tags=["a", "b"])
    a_second_later = expiring_at(now + timedelta(seconds=1), tags=["b"])
    never = make_snippet(expiration=Expiration.NEVER, tags=["a"]).pk

    assert snippets_expired_delete(now=now, batch_size=batch_size) == 2

    assert not Snippet.objects.filter(pk__in=[exactly_now, long_ago]).exists()
    assert set(Snippet.objects.values_list("pk", flat=True)) == {a_second_later, never}
    assert set(Snippet.tags.through.objects.values_list("snippet_id", flat=True)) == {a_second_later, never}
    assert set(SnippetRender.objects.values_list("snippet_id", flat=True)) == {a_second_later, never}
    assert set(Tag.objects.values_list("name", flat=True)) == {"a", "b"}  # tags outlive their snippets


def test_with_nothing_expired_the_purge_is_one_query_on_the_expires_at_index():
    now = timezone.now()
    expiring_at(now + timedelta(minutes=10))
    make_snippet(expiration=Expiration.NEVER)

    with CaptureQueriesContext(connection) as queries:
        assert snippets_expired_delete(now=now) == 0

    [query] = queries.captured_queries
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            plan = " ".join(str(row) for row in cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}").fetchall())
        assert "SEARCH djangobin_snippet USING COVERING INDEX djangobin_snippet_expires_at" in plan, plan


def test_the_purge_pages_through_many_snippets_sharing_one_expiry_time():
    now = timezone.now()
    same_moment = now - timedelta(hours=1)
    doomed = {expiring_at(same_moment) for _ in range(7)} | {expiring_at(now - timedelta(days=1)) for _ in range(3)}
    kept = expiring_at(now + timedelta(days=1))

    assert snippets_expired_delete(now=now, batch_size=3) == len(doomed)
    assert list(Snippet.objects.values_list("pk", flat=True)) == [kept]


def test_the_purge_never_deletes_the_same_snippet_twice():
    now = timezone.now()
    expiring_at(now - timedelta(seconds=1))
    assert snippets_expired_delete(now=now) == 1
    assert snippets_expired_delete(now=now) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log only")
def test_on_sqlite_the_purge_checkpoints_between_batches_and_gives_the_connection_its_setting_back():
    now = timezone.now()
    for _ in range(5):
        expiring_at(now - timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint = 777")
    assert snippets_expired_delete(now=now, batch_size=2) == 5
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone() == (777,)


def test_tag_links_renders_revisions_and_forks_are_all_that_refer_to_a_snippet_and_no_signal_listens_to_its_deletion():
    # The purge unlinks forks and deletes with four plain DELETEs instead of Django's collector; this fails if that
    # stops being enough.
    from django.db.models.signals import post_delete, pre_delete

    referring = [
        field.related_model
        for field in Snippet._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]
    assert set(referring) == {Snippet.tags.through, SnippetRender, SnippetRevision, Snippet}
    assert Snippet._meta.get_field("forked_from").remote_field.on_delete is SET_NULL
    assert not pre_delete.has_listeners(Snippet)
    assert not post_delete.has_listeners(Snippet)


def test_a_purge_batch_is_four_delete_statements_keyed_by_ids_and_nothing_is_loaded_per_row():
    now = timezone.now()
    for _ in range(5):
        expiring_at(now - timedelta(days=1), tags=["a", "b"])
    with CaptureQueriesContext(connection) as queries:
        assert snippets_expired_delete(now=now) == 5

    deletes = [query["sql"] for query in queries if query["sql"].upper().startswith("DELETE")]
    assert len(deletes) == 4
    assert "djangobin_snippet_tags" in deletes[0]
    assert "djangobin_snippetrender" in deletes[1]
    assert "djangobin_snippetrevision" in deletes[2]
    assert not Snippet.tags.through.objects.exists()
    assert not SnippetRender.objects.exists()
    selects = [query["sql"] for query in queries if query["sql"].upper().startswith("SELECT")]
    assert len(selects) == 3  # whether any expired, the batch of ids, then the empty batch that ends the purge


def test_the_purge_deletes_the_expired_ids_in_id_order_whatever_their_expiry_order_and_skips_live_ones_between(
    monkeypatch,
):
    from djangobin.services import purge

    now = timezone.now()
    first = expiring_at(now - timedelta(days=1))
    live = expiring_at(now + timedelta(days=1))
    rest = [expiring_at(now - timedelta(days=days)) for days in range(2, 6)]  # later ids, earlier expiry
    batches, delete = [], purge._snippets_delete_by_ids
    monkeypatch.setattr(purge, "_snippets_delete_by_ids", lambda ids: batches.append(ids) or delete(ids))

    assert snippets_expired_delete(now=now, batch_size=2) == 5

    assert batches == [[first, rest[0]], rest[1:3], rest[3:]]
    assert list(Snippet.objects.values_list("pk", flat=True)) == [live]


def test_the_purge_deletes_an_expired_snippets_revisions_and_keeps_a_live_ones():
    now = timezone.now()
    expired, live = make_snippet(expiration=Expiration.WEEK), make_snippet()
    for snippet in (expired, live):
        snippet_edit(snippet=snippet, user=AnonymousUser(), authored_slugs=[snippet.slug], code="x = 2\n",
                     language=snippet.language, base_revision=1)  # fmt: skip
    Snippet.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(days=1))

    assert snippets_expired_delete(now=now) == 1

    assert list(SnippetRevision.objects.values_list("snippet_id", "number")) == [(live.pk, 1), (live.pk, 2)]


def test_the_purge_of_a_source_keeps_its_forks_and_unlinks_them():
    now = timezone.now()
    source = Snippet.objects.get(pk=expiring_at(now - timedelta(days=1)))
    fork = make_snippet(forked_from=source)

    assert snippets_expired_delete(now=now) == 1

    fork.refresh_from_db()
    assert fork.forked_from is None
