"""Burn after reading: deleted from the database at the first view by someone other than its author, never listed."""

import pytest
from django.test import Client

from djangobin.models import Exposure, Snippet, SnippetRender, Tag
from djangobin.services.burn import snippet_burn
from djangobin.services.renders import render_job_get, snippet_render_highlight
from tests.factories import make_snippet, make_user, python

pytestmark = pytest.mark.django_db

AUTHOR_WARNING = "the first person other than you to open this link deletes the snippet"
BURNED_WARNING = "this snippet was deleted as you opened it"


def paste(client, **fields):
    data = {
        "original_code": "secret = 42\n",
        "language": python().pk,
        "expiration": "never",
        "exposure": "public",
        "title": "once",
        "tags": "",
        "burn_after_reading": "on",
        **fields,
    }
    response = client.post("/", data)
    assert response.status_code == 302
    return Snippet.objects.get(slug=response["Location"].strip("/"))


def test_the_first_view_by_someone_else_shows_the_snippet_with_a_warning_and_deletes_it(client):
    snippet = paste(client)
    response = Client().get(snippet.get_absolute_url())
    assert response.status_code == 200
    assert "secret" in response.content.decode()
    assert BURNED_WARNING in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert not Snippet.objects.filter(pk=snippet.pk).exists()
    assert Client().get(snippet.get_absolute_url()).status_code == 404


def test_the_anonymous_author_who_pasted_it_sees_it_without_burning_it(client):
    snippet = paste(client)
    response = client.get(snippet.get_absolute_url())
    assert AUTHOR_WARNING in response.content.decode()
    assert client.get(f"/raw/{snippet.slug}/").status_code == 200
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_the_owning_account_sees_it_from_any_browser_without_burning_it(user):
    snippet = make_snippet(user=user, burn_after_reading=True)
    owner = Client()
    owner.force_login(user)
    assert owner.get(snippet.get_absolute_url()).status_code == 200
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_another_account_burns_it_like_anyone_else(user):
    snippet = make_snippet(user=user, burn_after_reading=True)
    other = Client()
    other.force_login(make_user())
    assert other.get(snippet.get_absolute_url()).status_code == 200
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


@pytest.mark.parametrize("prefix", ["raw", "download"])
def test_raw_and_download_count_as_the_first_view(client, prefix):
    snippet = make_snippet(code="once\n", burn_after_reading=True)
    response = client.get(f"/{prefix}/{snippet.slug}/")
    assert response.status_code == 200
    assert response.content == b"once\n"
    assert client.get(snippet.get_absolute_url()).status_code == 404


def test_the_burned_snippets_tag_links_go_with_it_but_the_reader_still_sees_its_tags(client):
    snippet = make_snippet(tags=["vault"], burn_after_reading=True)
    response = client.get(snippet.get_absolute_url())
    assert "vault" in response.content.decode()
    assert not Snippet.tags.through.objects.exists()
    assert Tag.objects.filter(name="vault").exists()


def test_of_two_simultaneous_first_views_only_the_one_whose_delete_found_the_row_may_show_it():
    snippet = make_snippet(burn_after_reading=True)
    # Both requests loaded the snippet before either deleted it.
    assert snippet_burn(snippet_id=snippet.pk) is True
    assert snippet_burn(snippet_id=snippet.pk) is False


def test_burning_never_deletes_an_ordinary_snippet():
    snippet = make_snippet()
    assert snippet_burn(snippet_id=snippet.pk) is False
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_an_ordinary_snippet_is_unaffected_by_views(client):
    snippet = make_snippet()
    client.get(snippet.get_absolute_url())
    response = client.get(snippet.get_absolute_url())
    assert response.status_code == 200
    assert BURNED_WARNING not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/", "/trending/", "/trending/python/", "/tag/vault/", "/search/?query=secret", "/sitemap.xml", "/user/ann/"],
)
def test_a_burn_after_reading_snippet_is_never_listed(client, ann, user, path):
    make_snippet(title="visible one", code="secret visible", tags=["vault"], user=user)
    hidden = make_snippet(title="burn one", code="secret burn", tags=["vault"], user=user, burn_after_reading=True)
    for viewer in (Client(), ann):  # a stranger, and the owner on their own profile
        page = viewer.get(path).content.decode()
        assert "visible one" in page or "/sitemap" in path
        assert hidden.slug not in page and "burn one" not in page
    assert Snippet.objects.filter(pk=hidden.pk).exists()


def test_the_owners_own_search_leaves_it_out_too(ann, user):
    make_snippet(title="burn one", code="needle", user=user, exposure=Exposure.PRIVATE, burn_after_reading=True)
    page = ann.get("/search/?query=needle&mysnippet=on").content.decode()
    assert "burn one" not in page


def test_the_form_offers_burn_after_reading(client):
    assert 'name="burn_after_reading"' in client.get("/").content.decode()


def test_the_reader_who_burns_it_sees_its_highlighted_render_not_a_pending_note(client):
    snippet = paste(client)
    snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))
    html = SnippetRender.objects.get(snippet=snippet).html
    page = Client().get(snippet.get_absolute_url()).content.decode()
    assert "<span" in html and html in page
    assert "Highlighting is on its way" not in page


def test_the_render_endpoint_never_shows_a_burn_after_reading_snippet_to_anyone_but_its_author(client):
    snippet = paste(client)
    assert Client().get(f"/render/{snippet.slug}/").status_code == 404
    assert client.get(f"/render/{snippet.slug}/").status_code == 200
    assert Snippet.objects.filter(pk=snippet.pk).exists()
