import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from djangobin.hits import hit_record, hits_buffer_start, hits_buffer_stop, hits_flush
from djangobin.models import Author, Snippet
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def buffered():
    """The web process's buffer, flushed by the test (no thread)."""
    hits_buffer_start(interval=None)
    yield
    hits_buffer_stop()


def hits_of(snippet):
    return Snippet.objects.values_list("hits", flat=True).get(pk=snippet.pk)


def test_a_buffered_page_view_writes_nothing_to_the_database(client, buffered):
    snippet = make_snippet()

    with CaptureQueriesContext(connection) as queries:
        assert client.get(snippet.get_absolute_url()).status_code == 200

    assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []
    assert hits_of(snippet) == 0


def profile_views(user):
    return Author.objects.values_list("views", flat=True).get(user=user)


def test_a_buffered_profile_view_writes_nothing_and_reaches_the_row_at_the_flush(client, buffered):
    user = make_user(username="ann")
    Author.objects.get_or_create(user=user)
    client.get("/user/ann/")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/user/ann/").status_code == 200

    assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []
    assert profile_views(user) == 0
    assert hits_flush() == 2
    assert profile_views(user) == 2


def test_snippet_and_profile_views_of_the_same_id_are_counted_apart(buffered):
    snippet = make_snippet()
    author = Author.objects.get_or_create(user=make_user(username="bob"))[0]
    for _ in range(3):
        hit_record("snippet", snippet.pk)
    hit_record("profile", author.pk)

    hits_flush()

    assert (hits_of(snippet), profile_views(author.user)) == (3, 1)


def test_buffered_views_reach_the_row_at_the_flush_in_one_update_per_snippet(client, buffered):
    first, second = make_snippet(), make_snippet()
    for _ in range(3):
        client.get(first.get_absolute_url())
    client.get(second.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        assert hits_flush() == 4

    assert len([q for q in queries if q["sql"].startswith("UPDATE")]) == 2
    assert (hits_of(first), hits_of(second)) == (3, 1)
    assert hits_flush() == 0


def test_the_page_shows_the_views_not_flushed_yet(client, buffered):
    snippet = make_snippet()
    Snippet.objects.filter(pk=snippet.pk).update(hits=40)
    client.get(snippet.get_absolute_url())

    response = client.get(snippet.get_absolute_url())

    assert b"<dt>Hits</dt><dd>42</dd>" in response.content


def test_views_counted_by_concurrent_threads_all_reach_the_row(buffered):
    snippet = make_snippet()

    def view_many_times():
        for _ in range(500):
            hit_record("snippet", snippet.pk)

    threads = [threading.Thread(target=view_many_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hits_flush()

    assert hits_of(snippet) == 4000


def test_a_failed_flush_keeps_the_views_for_the_next_one(buffered, monkeypatch):
    snippet = make_snippet()
    hit_record("snippet", snippet.pk)
    hit_record("snippet", snippet.pk)
    original = Snippet.objects.filter

    def failing_filter(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("database is locked")

    monkeypatch.setattr(Snippet.objects, "filter", failing_filter)
    with pytest.raises(Exception, match="locked"):
        hits_flush()
    monkeypatch.setattr(Snippet.objects, "filter", original)

    assert hits_flush() == 2
    assert hits_of(snippet) == 2


def test_without_the_buffer_each_view_is_one_atomic_update(client):
    snippet = make_snippet()

    client.get(snippet.get_absolute_url())

    assert hits_of(snippet) == 1


def test_the_flusher_thread_flushes_every_interval_until_the_buffer_stops(monkeypatch):
    from djangobin import hits

    flushed = threading.Event()
    monkeypatch.setattr(hits, "hits_flush", flushed.set)  # the database write itself is tested above
    monkeypatch.setattr(hits, "close_old_connections", lambda: None)
    monkeypatch.setattr(hits, "connection", type("NoConnection", (), {"close": staticmethod(lambda: None)}))
    hits_buffer_start(interval=0.05)
    try:
        assert flushed.wait(timeout=10)
    finally:
        monkeypatch.undo()
        hits_buffer_stop()
        for thread in threading.enumerate():
            if thread.name == "hits-flusher":
                thread.join(timeout=10)  # it ends at its next wake-up

    assert not [t for t in threading.enumerate() if t.name == "hits-flusher"]


def test_a_profile_and_the_trending_list_show_the_same_hit_count_as_the_snippet_page_before_the_flush(client, buffered):
    # Given a public snippet of ann's viewed twice, its views still in this process's buffer
    snippet = make_snippet(user=make_user(username="ann"), exposure="public")
    client.get(snippet.get_absolute_url())
    page = client.get(snippet.get_absolute_url()).content.decode()
    assert "<dt>Hits</dt><dd>2</dd>" in page
    # When her profile and the trending list are shown (the rows still say 0)
    assert hits_of(snippet) == 0
    profile = client.get("/user/ann/").content.decode()
    trending = client.get("/trending/").content.decode()
    # Then they count the same two views as the snippet's page
    assert "<span>2 hits</span>" in profile
    assert "<span>2 hits</span>" in trending


def test_the_owner_sees_the_profile_views_not_yet_flushed(client, buffered):
    user = make_user(username="cat")
    Author.objects.get_or_create(user=user)
    for _ in range(3):
        client.get("/user/cat/")
    client.force_login(user)
    assert "your profile was viewed 3 times" in client.get("/user/cat/").content.decode()
