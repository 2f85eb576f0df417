"""Burn after reading: deleted from the database when someone other than its author reads it, never listed.

On the page the reader first confirms ("Show and delete", a POST), since link checkers and chat unfurlers GET it too;
raw and download burn at the first GET, as terminal clients cannot confirm; a HEAD never burns."""

import pytest
from django.core.cache import caches
from django.test import Client

from djangobin.models import Exposure, Snippet, SnippetRender, Tag
from djangobin.services.burn import snippet_burn
from djangobin.services.renders import render_job_get, snippet_render_highlight
from tests.factories import make_snippet, make_user, python

pytestmark = pytest.mark.django_db

AUTHOR_WARNING = "the first person other than you to open this link deletes the snippet"
BURNED_WARNING = "this snippet was deleted as you opened it"
CONFIRM_WARNING = "this snippet is deleted for good as you open it"
SHOW_AND_DELETE = '<button class="button-danger" type="submit">Show and delete</button>'


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


def test_a_strangers_get_of_the_page_asks_them_to_confirm_and_shows_no_code_and_burns_nothing(client):
    snippet = paste(client, title="launch plan")

    response = Client().get(snippet.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "launch plan" in page and "Python" in page and CONFIRM_WARNING in page
    assert f'<form method="post" action="{snippet.get_absolute_url()}">' in page and SHOW_AND_DELETE in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "secret" not in page
    assert response["Cache-Control"] == "no-store"
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_show_and_delete_shows_the_code_once_with_a_warning_and_deletes_it(client):
    snippet = paste(client)

    response = Client().post(snippet.get_absolute_url())

    assert response.status_code == 200
    assert "secret" in response.content.decode()
    assert BURNED_WARNING in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


def test_the_page_that_burned_it_offers_no_raw_or_download_which_would_answer_404(client):
    snippet = paste(client)
    raw, download = (f'href="/{kind}/{snippet.slug}/"' for kind in ("raw", "download"))
    author_page = client.get(snippet.get_absolute_url()).content.decode()
    assert raw in author_page and download in author_page

    page = Client().post(snippet.get_absolute_url()).content.decode()

    assert BURNED_WARNING in page and "secret" in page
    assert raw not in page and download not in page
    assert Client().get(f"/raw/{snippet.slug}/").status_code == 404


def test_a_second_show_and_delete_finds_nothing(client):
    snippet = paste(client)
    Client().post(snippet.get_absolute_url())

    assert Client().post(snippet.get_absolute_url()).status_code == 404
    assert Client().get(snippet.get_absolute_url()).status_code == 404


def test_the_confirmation_is_a_plain_form_whose_csrf_token_a_browser_without_javascript_sends_back(client):
    snippet = paste(client)
    reader = Client(enforce_csrf_checks=True)
    reader.get(snippet.get_absolute_url())

    response = reader.post(snippet.get_absolute_url(), {"csrfmiddlewaretoken": reader.cookies["csrftoken"].value})

    assert response.status_code == 200 and "secret" in response.content.decode()
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


def test_a_post_without_the_csrf_token_is_refused_and_burns_nothing(client):
    snippet = paste(client)

    response = Client(enforce_csrf_checks=True).post(snippet.get_absolute_url())

    assert response.status_code == 403
    assert Snippet.objects.filter(pk=snippet.pk).exists()


@pytest.mark.parametrize("prefix", ["", "raw/", "download/"])
def test_a_head_of_the_page_raw_or_download_burns_nothing(client, prefix):
    snippet = make_snippet(code="once\n", burn_after_reading=True)

    response = Client().head(f"/{prefix}{snippet.slug}/")

    assert response.status_code == 200
    assert response.content == b""
    assert response["Cache-Control"] == "no-store"
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_a_head_of_raw_answers_the_headers_a_get_would_carry(client):
    snippet = make_snippet(code="once\n", burn_after_reading=True)

    response = Client().head(f"/raw/{snippet.slug}/")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Length"] == "5"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_the_page_a_stranger_burns_is_never_kept_in_the_page_cache(client):
    snippet = paste(client)

    Client().post(snippet.get_absolute_url())

    assert caches["pages"].total_bytes == 0


def test_the_anonymous_author_who_pasted_it_sees_it_without_burning_it(client):
    snippet = paste(client)
    response = client.get(snippet.get_absolute_url())
    assert AUTHOR_WARNING in response.content.decode()
    assert "secret" in response.content.decode()
    assert client.get(f"/raw/{snippet.slug}/").status_code == 200
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_the_authors_post_to_the_page_only_sends_them_back_to_it(client):
    snippet = paste(client)

    response = client.post(snippet.get_absolute_url())

    assert response.status_code == 302 and response["Location"] == snippet.get_absolute_url()
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_the_owning_account_sees_it_from_any_browser_without_burning_it(user):
    snippet = make_snippet(user=user, burn_after_reading=True)
    owner = Client()
    owner.force_login(user)
    assert "hello" in owner.get(snippet.get_absolute_url()).content.decode()
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_another_account_burns_it_like_anyone_else(user):
    snippet = make_snippet(user=user, burn_after_reading=True)
    other = Client()
    other.force_login(make_user())
    assert SHOW_AND_DELETE in other.get(snippet.get_absolute_url()).content.decode()
    assert other.post(snippet.get_absolute_url()).status_code == 200
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


@pytest.mark.parametrize("prefix", ["raw", "download"])
def test_raw_and_download_burn_at_the_first_get_with_no_confirmation(client, prefix):
    snippet = make_snippet(code="once\n", burn_after_reading=True)
    response = client.get(f"/{prefix}/{snippet.slug}/")
    assert response.status_code == 200
    assert response.content == b"once\n"
    assert client.get(snippet.get_absolute_url()).status_code == 404


def test_the_burned_snippets_tag_links_go_with_it_but_the_reader_still_sees_its_tags(client):
    snippet = make_snippet(tags=["vault"], burn_after_reading=True)
    response = client.post(snippet.get_absolute_url())
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
    assert BURNED_WARNING not in response.content.decode() and SHOW_AND_DELETE not in response.content.decode()


def test_a_post_to_an_ordinary_snippets_page_sends_the_browser_back_to_it(client):
    snippet = make_snippet()

    response = client.post(snippet.get_absolute_url())

    assert response.status_code == 302 and response["Location"] == snippet.get_absolute_url()


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
    page = Client().post(snippet.get_absolute_url()).content.decode()
    assert "<span" in html and html in page
    assert "Highlighting is on its way" not in page


def test_the_render_endpoint_never_shows_a_burn_after_reading_snippet_to_anyone_but_its_author(client):
    snippet = paste(client)
    assert Client().get(f"/render/{snippet.slug}/").status_code == 404
    assert client.get(f"/render/{snippet.slug}/").status_code == 200
    assert Snippet.objects.filter(pk=snippet.pk).exists()
