"""The dpaste-compatible API: POST /api/v2/, syntax choices, and token-only GET/DELETE of one's snippets."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from djangobin.api import BURN_WARNING
from djangobin.expiration import CUSTOM, Expiration
from djangobin.models import ApiToken, Exposure, Snippet
from djangobin.services.accounts import author_update
from djangobin.services.api_tokens import api_token_create
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

API = "/api/v2/"


@pytest.fixture
def api():
    """A client like curl: CSRF checks on, as a real server does them."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def token(user):
    return api_token_create(user=user, name="laptop")[1]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_an_anonymous_post_without_a_csrf_token_answers_201_with_the_url_in_the_body_and_location(api, settings):
    settings.SITE_URL = "https://paste.example.com"
    response = api.post(API, {"content": "print(1)\n", "syntax": "python", "title": "one", "poster": "bob"})
    snippet = Snippet.objects.get()
    url = f"https://paste.example.com/{snippet.slug}/"
    assert response.status_code == 201
    assert response.content.decode() == url + "\n"
    assert response["Location"] == url
    assert (snippet.original_code, snippet.language.lang_code, snippet.title, snippet.poster, snippet.user) == (
        "print(1)\n",
        "python",
        "one",
        "bob",
        None,
    )


def test_the_url_never_comes_from_a_host_header_outside_allowed_hosts(api, settings):
    settings.SITE_URL = ""
    response = api.post(API, {"content": "x"}, HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert not Snippet.objects.exists()


def test_accept_json_answers_the_snippet_as_json(api):
    response = api.post(API, {"content": "x", "syntax": "rust"}, HTTP_ACCEPT="application/json")
    body = response.json()
    assert response.status_code == 201
    assert body["url"].endswith(f"/{body['slug']}/")
    assert body["syntax"] == "rust"
    assert response["Location"] == body["url"]


def test_an_unknown_syntax_is_a_400_that_says_so_and_stores_nothing(api):
    response = api.post(API, {"content": "a", "syntax": "no-such-lexer"})
    assert response.status_code == 400
    assert response.json()["error"] == (
        "syntax: 'no-such-lexer' is not a language this site knows; GET /api/v2/syntax-choices/ lists them all."
    )
    assert not Snippet.objects.exists()


@pytest.mark.parametrize(
    ("syntax", "lang_code"),
    [
        ("py", "python"),
        ("Python3", "python"),
        ("fortran", "fortran"),
        ("nim", "nimrod"),
        ("", "text"),
        ("graphql", "graphql"),
    ],
)
def test_any_pygments_alias_finds_its_language_and_no_syntax_is_plain_text(api, syntax, lang_code):
    assert api.post(API, {"content": "a", "syntax": syntax}).status_code == 201
    assert Snippet.objects.get().language.lang_code == lang_code


def test_the_syntax_choices_list_every_pygments_lexer(api):
    from pygments.lexers import get_all_lexers

    choices = api.get("/api/v2/syntax-choices/").json()
    lexers = [aliases for _, aliases, _, _ in get_all_lexers(plugins=False) if aliases]
    assert all(set(aliases) & set(choices) for aliases in lexers)
    assert len(choices) == len(lexers)


def test_a_file_that_is_not_utf8_is_a_400_naming_it_and_a_byte_order_mark_is_dropped(api):
    response = api.post(API, {"content": SimpleUploadedFile("notes.bin", b"\xff\xfe\xfa")})
    assert (response.status_code, response.json()) == (400, {"error": "content: notes.bin is not UTF-8 text."})

    assert api.post(API, {"content": SimpleUploadedFile("bom.txt", "\ufeffhi\n".encode())}).status_code == 201
    assert Snippet.objects.get().original_code == "hi\n"


def test_a_syntax_with_a_nul_character_is_no_error(api):
    assert api.post(API, {"content": "a", "syntax": "python\x00"}).status_code == 201


def test_a_file_upload_as_curl_f_content_at_file_sends_is_taken_as_the_content(api):
    upload = SimpleUploadedFile("notes.txt", "héllo\n".encode(), content_type="text/plain")
    response = api.post(API, {"content": upload})
    assert response.status_code == 201
    assert Snippet.objects.get().original_code == "héllo\n"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "content: It is required"),
        ({"content": "  \n"}, "content: The snippet is empty"),
        ({"content": "a", "expiry_days": "0"}, "expiry_days: It must be a whole number of days from 1 to 365"),
        ({"content": "a", "expiry_days": "366"}, "from 1 to 365"),
        ({"content": "a", "expiry_days": "soon"}, "from 1 to 365"),
        ({"content": "a", "expiry_days": "²"}, "from 1 to 365"),
        ({"content": "a", "expiry_days": "1.5"}, "from 1 to 365"),
        ({"content": "a", "expiry_seconds": "59"}, "expiry_seconds: It must be a whole number of seconds from 60 to"),
        ({"content": "a", "expiry_seconds": "31536001"}, "from 60 to 31,536,000 (365 days)"),
        ({"content": "a", "expiry_seconds": "-600"}, "from 60 to"),
        ({"content": "a", "expiry_seconds": "10m"}, "from 60 to"),
        ({"content": "a", "expiry_days": "1", "expiry_seconds": "600"}, "expiry_seconds: Send expiry_days or"),
        ({"content": "a", "title": "t" * 201}, "title: The title is longer than 200 characters"),
        ({"content": "a", "title": "two\nlines"}, "title: Line breaks are not allowed"),
        ({"content": "a", "poster": "p" * 51}, "poster: It is longer than 50 characters"),
        ({"content": "a\x00"}, "content: The text contains a NUL character"),
        ({"content": "a", "exposure": "private"}, "exposure: Private snippets need an account"),
        ({"content": "a", "exposure": "secret"}, "exposure: The exposure must be one of"),
    ],
)
def test_bad_input_answers_400_with_a_json_message_and_stores_nothing(api, fields, message):
    response = api.post(API, fields)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Snippet.objects.exists()


def test_content_over_the_size_limit_answers_413_naming_the_limit(api, settings):
    settings.SNIPPET_MAX_BYTES = 2048
    response = api.post(API, {"content": "x" * 2049})
    assert response.status_code == 413
    assert "2,048 bytes (2 KiB)" in response.json()["error"]


def test_a_file_over_the_size_limit_answers_413_too(api, settings):
    settings.SNIPPET_MAX_BYTES = 2048
    response = api.post(API, {"content": SimpleUploadedFile("big.txt", b"x" * 5000)})
    assert response.status_code == 413
    assert not Snippet.objects.exists()


def test_a_body_larger_than_the_server_reads_answers_json_naming_the_limit(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(API, {"content": "x" * 2000})
    assert response.status_code == 413
    assert "KiB" in response.json()["error"]


@pytest.mark.parametrize(
    ("fields", "lifetime", "expiration"),
    [
        ({"expiry_days": "1"}, timedelta(days=1), Expiration.DAY),
        ({"expiry_days": "7"}, timedelta(days=7), Expiration.WEEK),
        ({"expiry_days": "10"}, timedelta(days=10), CUSTOM),
        ({"expiry_days": "30"}, timedelta(days=30), CUSTOM),  # 30 days, not a calendar month
        ({"expiry_days": "365"}, timedelta(days=365), CUSTOM),
        ({"expiry_seconds": "600"}, timedelta(minutes=10), Expiration.TEN_MINUTES),
        ({"expiry_seconds": "3600"}, timedelta(hours=1), Expiration.HOUR),
        ({"expiry_seconds": "60"}, timedelta(minutes=1), CUSTOM),
        ({"expiry_seconds": " 90 "}, timedelta(seconds=90), CUSTOM),
    ],
)
def test_expiry_days_and_expiry_seconds_are_honoured_exactly(api, fields, lifetime, expiration):
    response = api.post(API, {"content": "a", **fields}, HTTP_ACCEPT="application/json")

    snippet = Snippet.objects.get()
    assert response.status_code == 201
    assert snippet.expires_at - snippet.created_on == lifetime
    assert snippet.expiration == expiration
    assert response.json()["expires"] == snippet.expires_at.isoformat()


def test_without_an_expiry_an_api_paste_takes_the_accounts_default_expiration(api, user, token):
    author_update(
        user=user, default_language=None, default_expiration=Expiration.HOUR, default_exposure="public", private=False
    )

    api.post(API, {"content": "a"}, **bearer(token))

    snippet = Snippet.objects.get()
    assert (snippet.expiration, snippet.expires_at - snippet.created_on) == (Expiration.HOUR, timedelta(hours=1))


def test_an_anonymous_api_paste_without_an_expiry_never_expires(api):
    api.post(API, {"content": "a"})

    assert (Snippet.objects.get().expiration, Snippet.objects.get().expires_at) == (Expiration.NEVER, None)


@pytest.mark.parametrize("how", ["field", "file"])
def test_the_api_keeps_the_bytes_exactly_as_sent_crlf_and_lone_cr_included(api, client, how):
    sent = b"@echo off\r\necho one\r\n\r\nlone\rcr\n"
    content = sent.decode() if how == "field" else SimpleUploadedFile("run.bat", sent)

    api.post(API, {"content": content})

    snippet = Snippet.objects.get()
    assert snippet.original_code.encode() == sent
    assert client.get(f"/raw/{snippet.slug}/").content == sent
    assert client.get(f"/download/{snippet.slug}/").content == sent


def test_api_snippets_are_unlisted_unless_asked_otherwise(api):
    api.post(API, {"content": "a"})
    api.post(API, {"content": "b", "exposure": "public"})
    assert dict(Snippet.objects.values_list("original_code", "exposure")) == {"a": "unlisted", "b": "public"}


def test_the_session_cookie_is_ignored_so_no_other_site_can_post_as_a_logged_in_visitor(api, user):
    api.force_login(user)
    response = api.post(API, {"content": "a"})
    assert response.status_code == 201
    assert Snippet.objects.get().user is None


def test_a_token_posts_as_its_account(api, user, token):
    response = api.post(API, {"content": "a", "exposure": "private"}, **bearer(token))
    assert response.status_code == 201
    assert (Snippet.objects.get().user, Snippet.objects.get().exposure) == (user, Exposure.PRIVATE)
    assert ApiToken.objects.get().last_used_on is not None


@pytest.mark.parametrize("header", ["Bearer wrong", "Bearer ", "Basic YTpi", "Token x"])
def test_a_bad_token_answers_401_and_never_posts_anonymously(api, header):
    response = api.post(API, {"content": "a"}, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "token" in response.json()["error"]
    assert not Snippet.objects.exists()


def test_a_token_of_a_deactivated_account_is_refused(api, user, token):
    user.is_active = False
    user.save()
    assert api.post(API, {"content": "a"}, **bearer(token)).status_code == 401


def test_anonymous_posts_are_rate_limited_with_429_retry_after_and_a_json_error(api, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {**settings.RATELIMITS, "snippet": {"ip": "2/h"}}
    cache.clear()
    statuses = [api.post(API, {"content": str(n)}).status_code for n in range(3)]
    response = api.post(API, {"content": "again"})
    assert statuses == [201, 201, 429]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many" in response.json()["error"]
    assert Snippet.objects.count() == 2


def test_syntax_choices_lists_every_stored_alias_with_its_name(api):
    choices = api.get(API + "syntax-choices/").json()
    assert choices["python"] == "Python"
    assert choices["text"] == "Plain Text"


def test_get_with_a_token_answers_ones_own_snippet_as_json_with_its_content(api, user, token):
    snippet = make_snippet(code="mine\n", user=user, exposure=Exposure.PRIVATE)
    body = api.get(f"{API}{snippet.slug}/", **bearer(token)).json()
    assert (body["slug"], body["content"], body["exposure"]) == (snippet.slug, "mine\n", "private")


def test_get_and_delete_of_someone_elses_snippet_answer_404(api, token):
    snippet = make_snippet(user=make_user())
    assert api.get(f"{API}{snippet.slug}/", **bearer(token)).status_code == 404
    assert api.delete(f"{API}{snippet.slug}/", **bearer(token)).status_code == 404
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_get_and_delete_without_a_token_answer_401(api, user):
    snippet = make_snippet(user=user)
    api.force_login(user)
    assert api.get(f"{API}{snippet.slug}/").status_code == 401
    assert api.delete(f"{API}{snippet.slug}/").status_code == 401


def test_delete_with_a_token_deletes_ones_own_snippet(api, user, token):
    snippet = make_snippet(user=user)
    response = api.delete(f"{API}{snippet.slug}/", **bearer(token))
    assert response.status_code == 204
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


def test_a_wrong_method_answers_405_in_json(api):
    response = api.get(API)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "POST" in json.loads(response.content)["error"]


def test_a_burn_after_reading_post_carries_the_warning_in_json_and_in_a_header(api):
    plain = api.post(API, {"content": "a", "burn_after_reading": "1"})
    as_json = api.post(API, {"content": "b", "burn_after_reading": "true"}, HTTP_ACCEPT="application/json")
    assert plain["X-Burn-After-Reading"] == BURN_WARNING
    assert as_json.json()["warning"] == BURN_WARNING
    assert Snippet.objects.filter(burn_after_reading=True).count() == 2


def test_syntax_detect_stores_plain_text_flagged_for_the_worker_to_guess(api):
    response = api.post("/api/v2/", {"content": "#!/bin/bash\necho hi\n", "syntax": "Detect"})

    snippet = Snippet.objects.get()
    assert response.status_code == 201
    assert snippet.language.lang_code == "text"
    assert snippet.render.detect_language
