"""The new-paste form and a snippet's own URLs: page, raw, download, delete."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from pygments.lexer import Lexer

from actors.renders import highlight_snippet
from djangobin import selectors
from djangobin.models import Exposure, Language, Snippet, SnippetRender
from djangobin.services.accounts import author_update
from tests.djangobin.helpers import count_queries, csrf_token_from, writes
from tests.factories import make_snippet, make_user, python

pytestmark = pytest.mark.django_db

SNIPPET_URLS = ["snippet_detail", "snippet_raw", "snippet_download"]


def paste(client, **fields):
    data = {
        "original_code": "print('hello')\n",
        "language": python().pk,
        "expiration": "never",
        "exposure": "public",
        "title": "",
        "tags": "",
        **fields,
    }
    return client.post(reverse("djangobin:index"), data)


def url(name, snippet_or_slug):
    return reverse(f"djangobin:{name}", args=[getattr(snippet_or_slug, "slug", snippet_or_slug)])


# The new-paste form


def test_an_anonymous_visitor_pastes_without_any_guest_account(client):
    response = paste(client, title="Hello")

    snippet = Snippet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == snippet.get_absolute_url()
    assert snippet.user is None
    assert not get_user_model().objects.exists()


def test_the_new_paste_form_offers_anonymous_visitors_no_private_exposure(client):
    response = client.get(reverse("djangobin:index"))

    assert [value for value, _ in response.context["form"].fields["exposure"].choices] == ["public", "unlisted"]
    assert 'value="private"' not in response.content.decode()


def test_the_new_paste_form_is_sent_multipart_so_the_code_arrives_unescaped(client):
    page = client.get(reverse("djangobin:index")).content.decode()

    form = re.search(r'<form method="post" action="/"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form


def test_a_paste_sent_url_encoded_by_a_program_is_stored_as_well(client):
    code = "m{ <&> %\n" * 3
    data = {"original_code": code, "language": python().pk, "expiration": "never", "exposure": "public"}
    form = "application/x-www-form-urlencoded"

    response = client.post(reverse("djangobin:index"), urlencode(data), content_type=form)

    assert response.status_code == 302
    assert Snippet.objects.get().original_code == code


def test_a_browser_paste_gives_back_the_text_as_the_user_had_it_on_raw_download_and_in_its_size(client):
    # Given a 3-line script as it was in the box, which the browser sends with CRLF line ends
    typed = "#!/bin/sh\necho 'héllo'\nexit 0\n"
    paste(client, original_code=typed.replace("\n", "\r\n"))
    snippet = Snippet.objects.get()

    # Then raw and download are byte for byte that text, and the page counts its lines and bytes
    assert client.get(url("snippet_raw", snippet)).content == typed.encode()
    assert client.get(url("snippet_download", snippet)).content == typed.encode()
    page = client.get(url("snippet_detail", snippet)).content.decode()
    assert f'<dd id="code-size">3 lines · {len(typed.encode())} bytes</dd>' in page


def test_an_anonymous_private_paste_is_refused_with_a_form_error(client):
    response = paste(client, exposure="private")

    assert response.status_code == 200
    assert "exposure" in response.context["form"].errors
    assert not Snippet.objects.exists()


def test_the_paste_form_offers_ten_minutes_to_a_year_and_never_with_never_chosen_for_a_visitor(client):
    page = client.get(reverse("djangobin:index")).content.decode()
    select = page.split('name="expiration"')[1].split("</select>")[0]

    assert re.findall(r'<option value="([^"]*)"', select) == [
        "10 minutes",
        "1 hour",
        "1 day",
        "1 week",
        "1 month",
        "6 months",
        "1 year",
        "never",
    ]
    assert re.findall(r'<option value="([^"]*)" selected', select) == ["never"]


@pytest.mark.parametrize(("expiration", "lifetime"), [("10 minutes", timedelta(minutes=10)), ("1 day", timedelta(1))])
def test_a_short_expiration_chosen_on_the_form_sets_expires_at(client, expiration, lifetime):
    paste(client, expiration=expiration)

    snippet = Snippet.objects.get()
    assert (snippet.expiration, snippet.expires_at - snippet.created_on) == (expiration, lifetime)


def test_a_logged_in_user_pastes_privately_and_owns_the_snippet(ann, user):
    paste(ann, exposure="private")

    snippet = Snippet.objects.get()
    assert snippet.user == user
    assert snippet.exposure == Exposure.PRIVATE


def test_logged_in_users_get_their_saved_defaults_on_the_new_paste_form(ann, user):
    rust = Language.objects.get(slug="rust")
    author_update(
        user=user, default_language=rust, default_expiration="1 week", default_exposure="private", private=False
    )

    html = ann.get(reverse("djangobin:index")).content.decode()

    assert re.search(rf'<option value="{rust.pk}" selected>Rust</option>', html)
    assert '<option value="1 week" selected>1 Week</option>' in html
    assert '<option value="private" selected>Private</option>' in html


def test_tags_typed_on_the_form_are_stored_trimmed_lowercased_and_deduplicated(client):
    paste(client, tags=" Django, ORM ,django,, ")

    assert sorted(Snippet.objects.get().tags.values_list("name", flat=True)) == ["django", "orm"]


def test_an_empty_paste_shows_the_error_next_to_the_code_field(client):
    response = paste(client, original_code="   \n")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist" id="id_original_code_error"' in html
    assert "The snippet is empty." in html
    assert not Snippet.objects.exists()


def test_an_unknown_language_is_a_form_error_not_a_server_error(client):
    response = paste(client, language="999999")

    assert response.status_code == 200
    assert "language" in response.context["form"].errors


# The snippet page


def test_the_snippet_page_shows_title_language_author_dates_hits_and_tag_links(client, user):
    snippet = make_snippet(title="Greeting", tags=["demo"], user=user, expiration="1 week")

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert "<h1>Greeting</h1>" in html
    assert '<a id="snippet-language" href="/trending/python/">Python</a>' in html
    assert '<a href="/user/ann/">ann</a>' in html
    assert '<a href="/tag/demo/">demo</a>' in html
    assert f'datetime="{snippet.created_on.isoformat()}"' in html
    assert f'datetime="{snippet.expires_at.isoformat()}"' in html
    assert "<dt>Hits</dt><dd>1</dd>" in html


def code_view(html):
    """The gutter's text and the code's HTML from a snippet page."""
    [(gutter, code)] = re.findall(
        r'<pre class="gutter"[^>]*>(.*?)</pre>\s*(?:{#.*?#}\s*)?<pre class="highlight"><code>(.*?)</code></pre>',
        html,
        re.S,
    )
    return gutter, code


def test_until_the_worker_renders_it_the_snippet_page_shows_the_code_escaped_with_line_numbers_and_a_note(client):
    snippet = make_snippet(code="a = 1\nb = '<b>'\n")

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert code_view(html) == ("1\n2", "a = 1\nb = &#x27;&lt;b&gt;&#x27;\n".replace("&#x27;", "'"))
    assert "Highlighting is on its way" in html
    assert f'data-render-url="{url("snippet_render", snippet)}"' in html
    assert "/static/djangobin/js/snippet.js" in html


def test_once_rendered_the_snippet_page_shows_the_highlighted_code_and_asks_for_nothing_more(client):
    snippet = make_snippet(code="a = 1\nb = '<b>'\n")
    highlight_snippet.fn(snippet.pk)

    html = client.get(snippet.get_absolute_url()).content.decode()

    gutter, code = code_view(html)
    assert gutter == "1\n2"
    assert "<span class=mi>1</span>" in code and "&lt;b&gt;" in code and "'<b>'" not in html
    assert "data-render-url" not in html
    assert "Highlighting is on its way" not in html


def test_a_paste_shown_plain_says_why(client, settings):
    settings.HIGHLIGHT_MAX_BYTES = 10
    snippet = make_snippet(code="x = 12345678901\n")

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert code_view(html)[1] == "x = 12345678901\n"
    assert "Shown as plain text: highlighting stops at 0 KiB of code." in html
    assert "data-render-url" not in html


def test_the_render_endpoint_says_pending_then_gives_the_highlighted_html(client):
    snippet = make_snippet(code="a = 1\n")

    pending = client.get(url("snippet_render", snippet))
    highlight_snippet.fn(snippet.pk)
    ready = client.get(url("snippet_render", snippet)).json()

    assert pending.json() == {"state": "pending", "note": selectors.PENDING_NOTE, "language": "Python"}
    assert pending["Cache-Control"] == "no-store"
    assert ready == {
        "state": "highlighted",
        "note": "",
        "language": "Python",
        "html": "a <span class=o>=</span> <span class=mi>1</span>\n",
    }


def test_the_render_endpoint_hides_a_private_snippet_as_its_page_does(client, user):
    snippet = make_snippet(user=user, exposure=Exposure.PRIVATE)

    assert client.get(url("snippet_render", snippet)).status_code == 404
    client.force_login(user)
    assert client.get(url("snippet_render", snippet)).status_code == 200


def test_a_page_of_a_realistic_2000_line_python_file_is_at_most_three_times_its_size(client):
    import argparse
    import inspect

    code = "".join(inspect.getsource(argparse).splitlines(True)[:2000])
    snippet = make_snippet(code=code)
    highlight_snippet.fn(snippet.pk)

    page = client.get(snippet.get_absolute_url()).content

    assert SnippetRender.objects.get(snippet=snippet).state == "highlighted"
    assert len(page) <= 3 * len(code.encode())


@pytest.mark.parametrize("line", ["7", "x=1", "pass"])
@pytest.mark.parametrize("highlight_max_bytes", [256 * 1024, 512 * 1024])
def test_a_page_of_100000_short_lines_is_at_most_five_times_their_size(client, settings, line, highlight_max_bytes):
    settings.HIGHLIGHT_MAX_BYTES = highlight_max_bytes
    code = f"{line}\n" * 100_000
    snippet = make_snippet(code=code)
    highlight_snippet.fn(snippet.pk)

    page = client.get(snippet.get_absolute_url()).content

    assert len(page) <= 5 * len(code.encode())


def test_the_snippet_page_links_to_raw_and_download(client):
    snippet = make_snippet()

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert f'href="{url("snippet_raw", snippet)}"' in html
    assert f'href="{url("snippet_download", snippet)}"' in html


def test_an_anonymous_snippet_names_its_author_anonymous(client):
    html = client.get(make_snippet().get_absolute_url()).content.decode()

    assert "<dd>anonymous</dd>" in html


def test_a_snippet_title_is_escaped_on_its_page(client):
    snippet = make_snippet(title="<script>alert(1)</script>")

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_the_owner_sees_the_delete_form(client, user):
    snippet = make_snippet(user=user)
    delete_form = f'action="{url("snippet_delete", snippet)}"'

    assert delete_form not in client.get(snippet.get_absolute_url()).content.decode()
    client.force_login(make_user())
    assert delete_form not in client.get(snippet.get_absolute_url()).content.decode()
    client.force_login(user)
    assert delete_form in client.get(snippet.get_absolute_url()).content.decode()


# Unknown, expired and hidden snippets


@pytest.mark.parametrize("name", SNIPPET_URLS)
def test_an_unknown_slug_answers_404(client, name):
    assert client.get(url(name, "NoSuchSlug1")).status_code == 404


def test_deleting_an_unknown_slug_answers_404(ann):
    assert ann.post(url("snippet_delete", "NoSuchSlug1")).status_code == 404


@pytest.mark.parametrize("name", SNIPPET_URLS)
def test_an_expired_snippet_answers_410_at_once_before_any_purge(client, name):
    snippet = make_snippet(expiration="1 week")
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(url(name, snippet))

    assert response.status_code == 410
    assert Snippet.objects.filter(pk=snippet.pk).exists(), "the row is still there: only the purge deletes it"


def test_the_410_page_says_the_snippet_expired_and_hides_its_code(client):
    snippet = make_snippet(code="secret_value = 1\n", expiration="1 week")
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now())

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert "This snippet has expired" in html
    assert "secret_value" not in html


@pytest.mark.parametrize("name", SNIPPET_URLS)
def test_a_private_snippet_answers_404_to_anonymous_visitors(client, user, name):
    snippet = make_snippet(exposure=Exposure.PRIVATE, user=user)

    assert client.get(url(name, snippet)).status_code == 404


@pytest.mark.parametrize("name", SNIPPET_URLS)
def test_a_private_snippet_answers_404_to_other_users(client, user, name):
    snippet = make_snippet(exposure=Exposure.PRIVATE, user=user)
    client.force_login(make_user())

    assert client.get(url(name, snippet)).status_code == 404


@pytest.mark.parametrize("name", SNIPPET_URLS)
def test_a_private_snippet_is_served_to_its_owner(ann, user, name):
    snippet = make_snippet(exposure=Exposure.PRIVATE, user=user)

    assert ann.get(url(name, snippet)).status_code == 200


@pytest.mark.parametrize("name", SNIPPET_URLS)
def test_an_unlisted_snippet_is_reachable_by_its_link(client, user, name):
    snippet = make_snippet(exposure=Exposure.UNLISTED, user=user)

    assert client.get(url(name, snippet)).status_code == 200


# Raw and download


def test_raw_is_utf8_plain_text_that_browsers_must_not_sniff_even_for_html_snippets(client):
    code = "<script>alert('stored xss')</script>\nnaïve ✓\n"
    snippet = make_snippet(code=code, language=Language.objects.get(slug="html"))

    response = client.get(url("snippet_raw", snippet))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode("utf-8") == code


def test_download_is_an_attachment_named_by_slug_and_language_extension(client):
    snippet = make_snippet(code="print(1)\n")

    response = client.get(url("snippet_download", snippet))

    assert response["Content-Disposition"] == f'attachment; filename="{snippet.slug}.py"'
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9]{8,}\.py"', response["Content-Disposition"])
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"print(1)\n"


# Delete


def test_the_owner_deletes_a_snippet_by_post_with_the_pages_csrf_token(csrf_client, user):
    snippet = make_snippet(user=user)
    csrf_client.force_login(user)
    token = csrf_token_from(csrf_client.get(snippet.get_absolute_url()))

    response = csrf_client.post(url("snippet_delete", snippet), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("djangobin:profile", args=["ann"])
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


def test_a_delete_without_a_csrf_token_is_refused(csrf_client, user):
    snippet = make_snippet(user=user)
    csrf_client.force_login(user)

    response = csrf_client.post(url("snippet_delete", snippet))

    assert response.status_code == 403
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_a_delete_by_get_is_not_allowed(ann, user):
    snippet = make_snippet(user=user)

    assert ann.get(url("snippet_delete", snippet)).status_code == 405
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_another_user_cannot_delete_a_snippet(client, user):
    snippet = make_snippet(user=user)
    client.force_login(make_user())

    assert client.post(url("snippet_delete", snippet)).status_code == 404
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_nobody_can_delete_an_anonymous_snippet(ann):
    snippet = make_snippet()

    assert ann.post(url("snippet_delete", snippet)).status_code == 404
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_an_anonymous_delete_is_sent_to_log_in_and_deletes_nothing(client, user):
    snippet = make_snippet(user=user)

    response = client.post(url("snippet_delete", snippet))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("djangobin:login") + "?next=")
    assert Snippet.objects.filter(pk=snippet.pk).exists()


# Hits


def test_a_page_view_never_runs_pygments_and_writes_only_the_hit_counter(client, monkeypatch):
    snippet = make_snippet(code="x = 1\n")
    before = Snippet.objects.values().get(pk=snippet.pk)

    def no_pygments(*args, **kwargs):
        raise AssertionError("Pygments ran during a page view")

    monkeypatch.setattr(Lexer, "get_tokens", no_pygments)
    response, statements = count_queries(lambda: client.get(snippet.get_absolute_url()))

    assert response.status_code == 200
    [update] = writes(statements)
    assert re.fullmatch(
        r'UPDATE "djangobin_snippet" SET "hits" = \("djangobin_snippet"\."hits" \+ 1\) WHERE .*', update.strip()
    )
    after = Snippet.objects.values().get(pk=snippet.pk)
    assert after == {**before, "hits": before["hits"] + 1}


def test_each_page_view_counts_one_hit(client):
    snippet = make_snippet()

    for _ in range(3):
        client.get(snippet.get_absolute_url())

    snippet.refresh_from_db()
    assert snippet.hits == 3


def test_hits_are_added_in_the_database_so_concurrent_views_are_not_lost(client, monkeypatch):
    snippet = make_snippet()
    read = selectors.snippet_get_visible

    def read_then_another_view_counts(**kwargs):
        stale = read(**kwargs)
        # Another request counts its views between this request's read and its write.
        Snippet.objects.filter(pk=stale.pk).update(hits=41)
        return stale

    monkeypatch.setattr(selectors, "snippet_get_visible", read_then_another_view_counts)
    client.get(snippet.get_absolute_url())

    snippet.refresh_from_db()
    assert snippet.hits == 42


# The editor: "Detect", the remembered language, and the snippet page's size


def test_the_language_menu_offers_detect_first_and_a_detect_paste_is_plain_text_until_the_worker_guesses(client):
    html = client.get(reverse("djangobin:index")).content.decode()
    assert re.search(r'<select name="language"[^>]*>\s*<option value="detect">Detect', html)

    response = paste(client, language="detect", original_code="#!/usr/bin/env python3\nprint(1)\n")
    snippet = Snippet.objects.get(slug=response["Location"].strip("/"))
    assert snippet.language.lang_code == "text" and snippet.render.detect_language

    highlight_snippet.fn(snippet.pk)
    assert ">Python</a>" in client.get(snippet.get_absolute_url()).content.decode()
    assert client.get(url("snippet_render", snippet)).json()["language"] == "Python"


def test_a_blank_editor_lets_the_browser_restore_its_last_language_but_a_fork_or_a_returned_form_does_not(client):
    blank = client.get(reverse("djangobin:index")).content.decode()
    returned = paste(client, original_code="  ").content.decode()
    fork = client.get(reverse("djangobin:snippet_fork", args=[make_snippet().slug])).content.decode()

    assert "data-remember-language" in blank
    assert "data-remember-language" not in returned
    assert "data-remember-language" not in fork


def test_the_snippet_page_gives_lines_and_bytes_with_separators_and_no_sidebar_beside_the_code(client):
    snippet = make_snippet(code="x = 1\n" * 2000 + "é" * 28_000)

    html = client.get(snippet.get_absolute_url()).content.decode()

    assert '<dd id="code-size">2,001 lines · 68,000 bytes</dd>' in html
    assert 'class="wrap layout layout-wide"' in html
