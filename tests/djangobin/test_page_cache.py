import pytest
from django.core.cache import caches

from djangobin import page_cache
from djangobin.models import Exposure, SnippetRender
from djangobin.services.snippets import snippet_delete
from tests.djangobin.helpers import count_queries
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


def rendered(**kwargs):
    snippet = make_snippet(**kwargs)
    SnippetRender.objects.filter(snippet=snippet).update(state="highlighted", html="<span>HIGHLIGHTED</span>")
    return snippet


def test_an_anonymous_second_view_is_the_kept_page_with_the_current_hit_count(client):
    snippet = rendered(title="Kept")
    client.get(snippet.get_absolute_url())

    response, statements = count_queries(lambda: client.get(snippet.get_absolute_url()))

    assert b"<dt>Hits</dt><dd>2</dd>" in response.content
    assert b"HIGHLIGHTED" in response.content and b"Kept" in response.content
    assert [s.split(" FROM ")[1].split()[0] for s in statements if s.startswith("SELECT")] == ['"djangobin_snippet"']


def test_the_kept_page_shows_a_snippet_pasted_since_in_its_sidebar(client, django_capture_on_commit_callbacks):
    snippet = rendered()
    client.get(snippet.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        make_snippet(title="Pasted since")

    assert b"Pasted since" in client.get(snippet.get_absolute_url()).content


def test_a_kept_page_is_never_served_once_the_snippet_is_deleted(client):
    owner = make_user()
    snippet = rendered(user=owner)
    client.get(snippet.get_absolute_url())

    snippet.delete()

    assert client.get(snippet.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "kwargs",
    [{"exposure": Exposure.PRIVATE}, {"burn_after_reading": True}],
    ids=["private", "burn after reading"],
)
def test_private_and_burn_after_reading_pages_are_never_kept(client, kwargs):
    owner = make_user()
    snippet = rendered(user=owner, **kwargs)
    client.force_login(owner)
    client.get(snippet.get_absolute_url())
    client.logout()
    client.get(snippet.get_absolute_url())

    assert caches["pages"].total_bytes == 0


def test_the_owner_gets_a_page_of_their_own_with_the_delete_button_and_others_never_see_it(client):
    owner = make_user()
    snippet = rendered(user=owner)
    client.get(snippet.get_absolute_url())  # kept for anonymous visitors

    client.force_login(owner)
    mine = client.get(snippet.get_absolute_url())
    client.logout()
    theirs = client.get(snippet.get_absolute_url())

    assert b"Delete" in mine.content and b"csrfmiddlewaretoken" in mine.content
    assert b"Delete</button>" not in theirs.content and b"csrfmiddlewaretoken" not in theirs.content


def test_a_page_whose_render_is_pending_is_not_kept_so_the_next_view_shows_the_render(client):
    snippet = make_snippet(code="x = 1\n")
    client.get(snippet.get_absolute_url())

    SnippetRender.objects.filter(snippet=snippet).update(state="highlighted", html="<span>NOW HIGHLIGHTED</span>")

    assert b"NOW HIGHLIGHTED" in client.get(snippet.get_absolute_url()).content


def test_a_page_over_the_page_size_limit_is_never_kept(client, settings):
    big = rendered(code="&\n" * 64 * 1024)
    small = rendered(code="x = 1\n")

    page = client.get(big.get_absolute_url())
    assert len(page.content) > settings.PAGE_CACHE_MAX_PAGE_BYTES
    assert caches["pages"].total_bytes == 0
    client.get(small.get_absolute_url())
    assert 0 < caches["pages"].total_bytes < settings.PAGE_CACHE_MAX_PAGE_BYTES


def test_the_page_cache_is_bounded_by_the_settings_bytes(settings):
    pages = caches["pages"]

    assert (pages.max_entry_bytes, pages.max_bytes) == (
        settings.PAGE_CACHE_MAX_PAGE_BYTES,
        settings.PAGE_CACHE_MAX_BYTES,
    )


def forks_listed(page):
    """The text of the page's "Forks" panel (the sidebar's recent snippets may name a fork too), "" without one."""
    _, found, rest = page.partition('aria-labelledby="forks-title"')
    return rest.split("</section>", 1)[0] if found else ""


def test_a_new_fork_shows_in_its_sources_kept_page_at_once(client, django_capture_on_commit_callbacks):
    # Given the source's page kept for anonymous visitors
    source = rendered(title="Source")
    client.get(source.get_absolute_url())
    assert caches["pages"].get(page_cache._key(source)) is not None
    # When someone forks it
    with django_capture_on_commit_callbacks(execute=True):
        fork = make_snippet(title="Forked at once", forked_from=source)
    # Then the next view lists the fork
    assert f'<a href="{fork.get_absolute_url()}">Forked at once</a>' in forks_listed(
        client.get(source.get_absolute_url()).text
    )


def test_another_processs_kept_page_of_the_source_is_not_used_after_a_fork(client, django_capture_on_commit_callbacks):
    # Given the source's kept page, as another web process holds it in its own memory
    source = rendered(title="Source")
    client.get(source.get_absolute_url())
    pages, key = caches["pages"], page_cache._key(source)
    other_process_copy = pages.get(key)
    assert other_process_copy is not None
    # When a fork is made here, and the other process's copy is still in memory
    with django_capture_on_commit_callbacks(execute=True):
        fork = make_snippet(title="Seen everywhere", forked_from=source)
    pages.set(key, other_process_copy)
    # Then that copy's stamp no longer matches: the page is rendered again, with the fork
    assert fork.get_absolute_url() in forks_listed(client.get(source.get_absolute_url()).text)


def test_a_deleted_fork_leaves_its_sources_kept_page_at_once(client, django_capture_on_commit_callbacks):
    owner = make_user()
    source = rendered(title="Source")
    fork = make_snippet(title="Short-lived fork", forked_from=source, user=owner)
    client.get(source.get_absolute_url())
    assert "Short-lived fork" in forks_listed(client.get(source.get_absolute_url()).text)

    with django_capture_on_commit_callbacks(execute=True):
        snippet_delete(snippet=fork, user=owner)

    assert forks_listed(client.get(source.get_absolute_url()).text) == ""
