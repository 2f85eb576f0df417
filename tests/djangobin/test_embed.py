"""The embed view and its script tag: framable by other sites (that response alone), and only for snippets anyone
with the link may read."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from django_project.settings import env_csp_sources
from djangobin.hits import hits_flush
from djangobin.models import Exposure, Snippet
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


def frame_ancestors(response):
    return re.search(r"frame-ancestors ([^;]+)", response["Content-Security-Policy"]).group(1)


def embed(client, snippet):
    return client.get(reverse("djangobin:snippet_embed", args=[snippet.slug]))


def embed_script(client, snippet):
    return client.get(reverse("djangobin:snippet_embed_script", args=[snippet.slug]))


@pytest.mark.parametrize("exposure", [Exposure.PUBLIC, Exposure.UNLISTED])
def test_the_embed_view_of_a_public_or_unlisted_snippet_may_be_framed_by_any_site(client, exposure):
    snippet = make_snippet(code="print('framed')\n", exposure=exposure, title="Framed")

    response = embed(client, snippet)

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "*"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "print(&#x27;framed&#x27;)" in html or "print('framed')" in html
    assert f'href="/{snippet.slug}/" target="_blank" rel="noopener">Framed</a>' in html


def test_every_other_page_keeps_frame_ancestors_none_and_x_frame_options_deny(client):
    snippet = make_snippet()
    for path in ["/", snippet.get_absolute_url(), f"/raw/{snippet.slug}/", "/about/", "/no-such-snippet/"]:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        if path.startswith("/raw/"):
            assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        else:
            assert frame_ancestors(response) == "'none'", path


def test_the_embed_view_of_a_private_snippet_is_a_404_even_for_its_owner(client):
    owner = make_user(username="owner")
    snippet = make_snippet(user=owner, exposure=Exposure.PRIVATE)
    client.force_login(owner)

    response = embed(client, snippet)

    assert response.status_code == 404
    assert "may be private, burn after reading, or deleted" in response.content.decode()
    assert frame_ancestors(response) == "*"  # the frame says why rather than the browser's refusal
    assert embed_script(client, snippet).status_code == 404


def test_a_burn_after_reading_snippet_is_a_404_and_is_not_burned(client):
    snippet = make_snippet(burn_after_reading=True)

    assert embed(client, snippet).status_code == 404
    assert embed_script(client, snippet).status_code == 404
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_an_expired_snippet_is_a_410_and_a_missing_one_a_404(client):
    snippet = make_snippet()
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = embed(client, snippet)

    assert response.status_code == 410 and "expired" in response.content.decode()
    assert embed_script(client, snippet).status_code == 410
    assert client.get("/embed/nothing-here/").status_code == 404


def test_the_embed_view_counts_no_hit(client):
    snippet = make_snippet()
    embed(client, snippet)
    client.get(snippet.get_absolute_url())  # one hit, to show the count works

    hits_flush()
    snippet.refresh_from_db()
    assert snippet.hits == 1


def test_the_script_tag_form_writes_a_frame_of_the_embed_view_with_a_title_that_cannot_end_the_script(client, settings):
    settings.SITE_URL = "https://paste.example.com"
    snippet = make_snippet(title="</script><script>alert(1)</script>")

    response = embed_script(client, snippet)

    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    body = response.content.decode()
    assert f'frame.src = "https://paste.example.com/embed/{snippet.slug}/";' in body
    assert "</script>" not in body and "\\u003c/script\\u003e" in body


def test_the_snippet_page_offers_the_embed_codes_of_an_embeddable_snippet_only(client, settings):
    settings.SITE_URL = "https://paste.example.com"
    public = make_snippet()
    burn = make_snippet(burn_after_reading=True)

    page = client.get(public.get_absolute_url()).content.decode()
    burn_page = client.get(burn.get_absolute_url()).content.decode()

    assert f"&lt;script src=&quot;https://paste.example.com/embed/{public.slug}.js&quot;&gt;&lt;/script&gt;" in page
    assert f"&lt;iframe src=&quot;https://paste.example.com/embed/{public.slug}/&quot;" in page
    assert "<summary>Embed</summary>" not in burn_page


def test_the_sites_that_may_frame_embeds_are_read_as_csp_sources_and_anything_else_stops_start(monkeypatch):
    monkeypatch.setenv("DJANGO_EMBED_FRAME_ANCESTORS", "https://blog.example.com, https://*.example.org")
    assert env_csp_sources("DJANGO_EMBED_FRAME_ANCESTORS", ["*"]) == [
        "https://blog.example.com",
        "https://*.example.org",
    ]
    monkeypatch.setenv("DJANGO_EMBED_FRAME_ANCESTORS", "https://a.example; script-src *")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_EMBED_FRAME_ANCESTORS"):
        env_csp_sources("DJANGO_EMBED_FRAME_ANCESTORS", ["*"])
