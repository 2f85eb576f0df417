"""The lists kept for every visitor (djangobin/fragments.py): rendered once, fresh at once after a paste or a
delete made here, within RECENT_SNIPPETS_CACHE_SECONDS otherwise, never showing one visitor's hidden snippets to
another."""

import pytest
from django.core.cache import cache, caches

from djangobin import hits
from djangobin.models import Exposure, Snippet
from djangobin.services.snippets import snippet_delete
from tests.djangobin.helpers import count_queries
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

KEPT_LISTS = ["/trending/", "/trending/python/", "/tag/shared/", "/user/ann/", "/search/?query=needle"]


def listed(response, snippet):
    main = response.content.decode().split('<aside class="sidebar"')[0]
    return f'href="{snippet.get_absolute_url()}"' in main


def snippet_queries(statements):
    return [sql for sql in statements if sql.startswith("SELECT") and '"djangobin_snippet"' in sql]


@pytest.mark.parametrize("path", KEPT_LISTS)
def test_a_second_view_of_a_list_runs_no_query_of_the_snippets(client, user, path):
    make_snippet(title="needle", tags=["shared"], user=user)
    client.get(path)

    response, statements = count_queries(lambda: client.get(path))

    assert response.status_code == 200
    assert b"needle" in response.content
    assert snippet_queries(statements) == []


@pytest.mark.parametrize("path", KEPT_LISTS)
def test_a_new_paste_appears_in_a_kept_list_at_once(client, user, path, django_capture_on_commit_callbacks):
    make_snippet(title="needle first", tags=["shared"], user=user)
    client.get(path)

    with django_capture_on_commit_callbacks(execute=True):
        pasted = make_snippet(title="needle pasted since", tags=["shared"], user=user)

    assert listed(client.get(path), pasted)


@pytest.mark.parametrize("path", KEPT_LISTS)
def test_a_deleted_paste_leaves_a_kept_list_at_once(client, user, path, django_capture_on_commit_callbacks):
    make_snippet(title="needle kept", tags=["shared"], user=user)
    doomed = make_snippet(title="needle doomed", tags=["shared"], user=user)
    assert listed(client.get(path), doomed)

    with django_capture_on_commit_callbacks(execute=True):
        snippet_delete(snippet=doomed, user=user)

    assert not listed(client.get(path), doomed)


def test_a_kept_list_shows_changes_made_elsewhere_once_it_expires(client, settings):
    """A change no service of this process made (the purge, hits flushed by another process) shows when the kept
    list expires: here at once, with RECENT_SNIPPETS_CACHE_SECONDS at zero."""
    settings.RECENT_SNIPPETS_CACHE_SECONDS = 0
    snippet = make_snippet(title="needle")
    client.get("/trending/")

    Snippet.objects.filter(pk=snippet.pk).update(hits=41)

    assert b"41 hits" in client.get("/trending/").content


def test_hits_counted_since_a_list_was_kept_show_when_it_expires(client, settings):
    settings.RECENT_SNIPPETS_CACHE_SECONDS = 0
    snippet = make_snippet(title="needle")
    hits.hits_buffer_start(interval=None)
    try:
        for _ in range(3):
            client.get(snippet.get_absolute_url())
        client.get("/trending/")
        hits.hits_flush()
    finally:
        hits.hits_buffer_stop()

    assert b"3 hits" in client.get("/trending/").content


@pytest.mark.parametrize("exposure", [Exposure.UNLISTED, Exposure.PRIVATE])
def test_the_owners_own_list_is_never_shown_to_anyone_else(client, user, exposure):
    hidden = make_snippet(title="needle hidden", exposure=exposure, user=user)
    make_snippet(title="needle public", user=user)
    client.force_login(user)
    assert listed(client.get("/user/ann/"), hidden)

    client.logout()
    anonymous = client.get("/user/ann/")
    client.force_login(make_user())
    another = client.get("/user/ann/")

    assert not listed(anonymous, hidden)
    assert not listed(another, hidden)


def test_the_owners_own_list_is_kept_in_this_process_never_in_the_shared_cache(client, user):
    make_snippet(title="needle private", exposure=Exposure.PRIVATE, user=user)
    client.force_login(user)

    client.get("/user/ann/")

    # The two stores' own keys (LocMemCache's and ByteBoundedCache's, as the test settings configure them).
    assert not [key for key in cache._cache if "profile" in key]
    assert [key for key in caches["pages"]._store.entries if "profile" in key]


def test_searching_only_ones_own_snippets_is_kept_apart_from_everyone_elses(client, user):
    private = make_snippet(title="needle private", exposure=Exposure.PRIVATE, user=user)
    client.force_login(user)
    assert listed(client.get("/search/?query=needle&mysnippet=on"), private)

    client.force_login(make_user())
    response = client.get("/search/?query=needle&mysnippet=on")

    assert not listed(response, private)


def test_a_signed_in_search_which_finds_the_searchers_private_snippets_is_never_shown_to_anyone_else(client, user):
    private = make_snippet(title="needle private", exposure=Exposure.PRIVATE, user=user)
    client.force_login(user)
    assert listed(client.get("/search/?query=needle"), private)

    client.logout()
    anonymous = client.get("/search/?query=needle")
    client.force_login(make_user())
    someone_else = client.get("/search/?query=needle")

    assert not listed(anonymous, private)
    assert not listed(someone_else, private)


def test_a_list_with_other_parameters_is_rendered_for_its_request_with_them_in_its_links(client):
    for n in range(25):
        make_snippet(title=f"needle {n}")
    client.get("/search/?query=needle")

    response = client.get("/search/?query=needle&extra=kept")

    assert "extra=kept" in response.content.decode()
    assert "extra=kept" not in client.get("/search/?query=needle").content.decode()


def test_an_unknown_tag_is_not_kept_and_a_tag_appears_once_a_paste_carries_it(
    client, django_capture_on_commit_callbacks
):
    assert client.get("/tag/fresh/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        make_snippet(tags=["fresh"])

    assert client.get("/tag/fresh/").status_code == 200


def test_the_kept_search_form_shows_each_query_as_it_was_typed(client):
    make_snippet(title="alpha beta")
    client.get("/search/?query=alpha")

    response = client.get("/search/?query=beta")

    assert 'value="beta"' in response.content.decode()
    assert 'value="alpha"' not in response.content.decode()
    assert 'value="alpha"' in client.get("/search/?query=alpha").content.decode()


def test_a_search_form_with_an_error_shows_it_each_time(client):
    for _ in range(2):
        response = client.get("/search/?query=%21%21")

        assert "this query has none" in response.content.decode()
