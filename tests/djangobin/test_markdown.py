"""Markdown pastes: rendered by the worker's render, sanitised, and shown with a link to their source."""

import json

import pytest
from django.urls import reverse

from actors.renders import highlight_snippet
from djangobin.markdown import document_sanitize, markdown_document
from djangobin.models import Language, SnippetRender
from djangobin.services.renders import snippet_render_request
from tests.factories import make_snippet

pytestmark = pytest.mark.django_db

DOC = "# Notes\n\nSome *text* and [a link](https://example.com/).\n\n```python\nx = 1\n```\n"


def markdown():
    return Language.objects.get(lang_code="markdown")


@pytest.mark.parametrize(
    ("html", "kept", "gone"),
    [
        ("<p>a</p><script>alert(1)</script>", "<p>a</p>", "alert"),
        ('<img src="/x.png" onerror="alert(1)">', '<img src="/x.png">', "onerror"),
        ('<a href="javascript:alert(1)">go</a>', ">go</a>", "javascript"),
        ('<a href="JaVaScRiPt&colon;alert(1)">go</a>', ">go</a>", "alert"),
        ('<p style="position:fixed" onclick="x()">p</p>', "<p>p</p>", "style"),
        ("<iframe src=https://evil.example></iframe><form><input></form>", "", "evil"),
    ],
)
def test_the_sanitiser_strips_scripts_event_attributes_and_javascript_links(html, kept, gone):
    clean = document_sanitize(html)
    assert kept in clean
    assert gone not in clean.lower()


def test_markdown_shows_raw_html_as_text_and_refuses_javascript_links():
    html = markdown_document('<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="y()">\n')
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<a" not in html and "<img" not in html


def test_markdown_renders_headings_links_tables_and_highlighted_fences():
    html = markdown_document(DOC + "\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Notes</h1>" in html and "<em>text</em>" in html
    assert '<a href="https://example.com/" rel="nofollow noopener noreferrer">a link</a>' in html
    assert '<pre class="highlight"><code>x <span class="o">=</span> <span class="mi">1</span>' in html
    assert "<td>1</td>" in html


def test_the_worker_stores_a_markdown_pastes_document_with_its_highlighted_source():
    snippet = make_snippet(code=DOC, language=markdown())

    highlight_snippet.fn(snippet.pk)

    render = SnippetRender.objects.get(snippet=snippet)
    assert render.state == "highlighted" and "<h1>Notes</h1>" in render.document
    assert "Notes" in render.html


def test_a_paste_in_another_language_gets_no_document():
    snippet = make_snippet(code=DOC)
    highlight_snippet.fn(snippet.pk)
    assert SnippetRender.objects.get(snippet=snippet).document == ""


def test_a_new_render_of_a_changed_paste_forgets_the_old_document_and_a_second_message_changes_nothing():
    snippet = make_snippet(code=DOC, language=markdown())
    highlight_snippet.fn(snippet.pk)
    first = SnippetRender.objects.get(snippet=snippet)
    highlight_snippet.fn(snippet.pk)  # a redelivered copy
    assert SnippetRender.objects.get(snippet=snippet).rendered_on == first.rendered_on

    snippet_render_request(snippet_id=snippet.pk)

    assert SnippetRender.objects.get(snippet=snippet).document == ""


def test_the_page_shows_the_document_with_a_link_to_the_source_and_the_source_with_a_link_back(client):
    snippet = make_snippet(code=DOC, language=markdown())
    highlight_snippet.fn(snippet.pk)

    rendered = client.get(snippet.get_absolute_url()).content.decode()
    source = client.get(snippet.get_absolute_url() + "?view=source").content.decode()

    assert '<section class="panel markdown-body" id="document"' in rendered and "<h1>Notes</h1>" in rendered
    assert f'<a href="/{snippet.slug}/" aria-current="page">Rendered</a>' in rendered
    assert '<section class="panel code-panel" aria-label="Code" hidden>' in rendered
    assert "<h1>Notes</h1>" not in source
    assert f'<a href="/{snippet.slug}/?view=source" aria-current="page">Source</a>' in source
    assert '<section class="panel code-panel" aria-label="Code">' in source


def test_until_the_worker_has_run_the_page_shows_the_source_and_the_render_says_when_a_document_is_ready(client):
    snippet = make_snippet(code=DOC, language=markdown())
    page = client.get(snippet.get_absolute_url()).content.decode()
    assert 'id="document"' not in page and "Rendered</a>" not in page
    assert "document" not in json.loads(client.get(reverse("djangobin:snippet_render", args=[snippet.slug])).content)

    highlight_snippet.fn(snippet.pk)

    assert json.loads(client.get(reverse("djangobin:snippet_render", args=[snippet.slug])).content)["document"] is True
