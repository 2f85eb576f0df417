from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from djangobin.expiration import Expiration
from djangobin.models import Snippet, Tag
from djangobin.services.snippets import snippets_expired_delete
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
    assert set(Tag.objects.values_list("name", flat=True)) == {"a", "b"}  # tags outlive their snippets


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
