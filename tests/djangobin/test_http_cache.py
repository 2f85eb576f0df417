"""Which responses HTTP caches may keep (djangobin/http_cache.py): shared caches the anonymous pages that are the same
for everyone, for HTTP_CACHE_SECONDS; nobody a signed-in, form, message or burn-after-reading page; raw and
download with a strong ETag and 304."""

import pytest
from django.test import Client

from djangobin.models import Exposure
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

SHARED_PAGES = [
    "/trending/",
    "/trending/python/",
    "/tag/shared/",
    "/search/?query=needle",
    "/about/",
    "/eula/",
    "/sitemap.xml",
]


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def shared(response):
    return "public" in cache_control(response)


def never_shared(response):
    directives = cache_control(response)
    return "public" not in directives and ("private" in directives or "no-store" in directives)


def vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


@pytest.fixture
def listed_snippet(user):
    return make_snippet(title="needle", code="needle = 1\n", tags=["shared"], user=user)


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_an_anonymous_page_the_same_for_everyone_may_be_kept_by_shared_caches_for_a_few_seconds(
    client, listed_snippet, path, settings
):
    settings.HTTP_CACHE_SECONDS = 7

    response = client.get(path)

    assert response.status_code == 200
    assert cache_control(response) == {"public", "max-age=7", "s-maxage=7"}
    assert "cookie" in vary(response)
    assert not response.cookies


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_the_same_page_for_a_signed_in_visitor_is_never_kept(ann, listed_snippet, path):
    response = ann.get(path)

    assert response.status_code == 200
    assert never_shared(response)
    assert "no-store" in cache_control(response)


@pytest.mark.parametrize("path", ["/trending/", "/about/"])
def test_an_anonymous_visitor_with_a_session_gets_a_page_of_their_own(client, listed_snippet, path):
    client.cookies["sessionid"] = "anything"

    assert never_shared(client.get(path))


@pytest.mark.parametrize("path", ["/", "/contact/", "/login/", "/signup/", "/password-reset/"])
def test_a_form_with_a_csrf_token_is_never_shared_and_is_the_only_one_that_sets_the_cookie(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert never_shared(response)
    assert "no-store" in cache_control(response)


def test_a_page_showing_a_message_is_never_shared(client, listed_snippet):
    response = client.get("/search/?query=needle&mysnippet=on", follow=True)

    assert b"Log in to search your own snippets" in response.content
    assert never_shared(response)


@pytest.mark.parametrize("exposure", Exposure.values)
def test_pages_that_count_a_view_are_never_shared_so_every_view_is_counted(client, user, exposure):
    snippet = make_snippet(user=user, exposure=exposure)
    client.force_login(user) if exposure == Exposure.PRIVATE else None

    assert never_shared(client.get(snippet.get_absolute_url()))
    assert never_shared(Client().get("/user/ann/"))


def test_a_burn_after_reading_page_is_never_stored_anywhere(client):
    snippet = make_snippet(burn_after_reading=True)

    confirm = client.get(snippet.get_absolute_url())
    raw = Client().get(f"/raw/{make_snippet(burn_after_reading=True).slug}/")

    for response in (confirm, raw):
        assert "no-store" in cache_control(response)
        assert not shared(response)
        assert "ETag" not in response


def test_a_burned_paste_answers_every_later_request_with_a_404_never_kept(client):
    snippet = make_snippet(burn_after_reading=True)
    assert client.get(f"/raw/{snippet.slug}/").status_code == 200

    again = Client().get(f"/raw/{snippet.slug}/", HTTP_IF_NONE_MATCH="*")

    assert again.status_code == 404
    assert never_shared(again)


def test_an_unknown_snippet_or_tag_is_never_shared(client):
    assert never_shared(client.get("/no-such-snippet/"))
    assert never_shared(client.get("/tag/no-such-tag/"))


def test_the_dashboard_is_never_kept(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert "no-store" in cache_control(response) and "private" in cache_control(response)


def test_nothing_is_shared_when_http_cache_seconds_is_zero(client, listed_snippet, settings):
    settings.HTTP_CACHE_SECONDS = 0

    assert never_shared(client.get("/trending/"))
    assert never_shared(client.get(f"/raw/{listed_snippet.slug}/"))


# Raw and download: ETag and 304


@pytest.mark.parametrize("view", ["raw", "download"])
def test_raw_and_download_of_a_public_snippet_carry_a_strong_etag_and_may_be_shared(client, listed_snippet, view):
    response = client.get(f"/{view}/{listed_snippet.slug}/")

    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')  # strong: no W/
    assert shared(response)
    assert "s-maxage=5" in cache_control(response)


@pytest.mark.parametrize(
    "if_none_match", ["{etag}", "W/{etag}", '"other", {etag}', '"other",W/{etag}', "*"], ids=str.strip
)
@pytest.mark.parametrize("view", ["raw", "download"])
def test_a_client_holding_the_current_copy_gets_a_304_without_the_code(client, listed_snippet, view, if_none_match):
    url = f"/{view}/{listed_snippet.slug}/"
    etag = client.get(url)["ETag"]

    response = client.get(url, HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert shared(response)  # a 304 says as much as the 200 it stands for


@pytest.mark.parametrize("if_none_match", ['"other"', 'W/"other"', '"', "garbage", ", ,", "W/"])
def test_a_client_holding_another_copy_or_a_garbled_header_gets_the_code(client, listed_snippet, if_none_match):
    response = client.get(f"/raw/{listed_snippet.slug}/", HTTP_IF_NONE_MATCH=if_none_match)

    assert response.status_code == 200
    assert response.content == b"needle = 1\n"


def test_the_etag_follows_the_bytes_sent(client):
    one, two = make_snippet(code="a = 1\n"), make_snippet(code="a = 2\n")
    same = make_snippet(code="a = 1\n")

    def etag(view, snippet):
        return client.get(f"/{view}/{snippet.slug}/")["ETag"]

    assert etag("raw", one) != etag("raw", two)
    assert etag("raw", one) == etag("raw", same)
    assert etag("download", one) != etag("download", same)  # the file name is the slug: another answer
    assert etag("download", one) != etag("raw", one)


def test_an_unlisted_snippets_raw_is_for_the_browser_alone(client):
    snippet = make_snippet(exposure=Exposure.UNLISTED)

    response = client.get(f"/raw/{snippet.slug}/")

    assert {"private", "no-cache"} <= cache_control(response)
    assert client.get(f"/raw/{snippet.slug}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_private_snippets_raw_is_for_its_owners_browser_alone(ann, user):
    snippet = make_snippet(exposure=Exposure.PRIVATE, user=user)

    response = ann.get(f"/raw/{snippet.slug}/")

    assert response.status_code == 200
    assert {"private", "no-cache"} <= cache_control(response)
    assert "cookie" in vary(response)
    assert Client().get(f"/raw/{snippet.slug}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 404
