"""A Markdown paste rendered by a real worker: through the web server, the outbox, RabbitMQ and `rundramatiq`."""

import json
import time

import pytest

pytestmark = pytest.mark.integration

MARKDOWN = (
    "# Release notes\n\n"
    "- faster *search*\n- [docs](https://example.com/docs)\n\n"
    '<script>alert("x")</script>\n\n'
    "[bad](javascript:alert(1))\n\n"
    "```python\ndef greet():\n    pass\n```\n"
)


def wait_for_render(client, slug, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        render = json.loads(client.get(f"/render/{slug}/").body)
        if render["state"] != "pending":
            return render
        time.sleep(0.25)
    raise TimeoutError(f"the render of {slug} was still pending after {timeout} s")


def test_a_worker_renders_a_markdown_paste_which_its_page_then_shows_sanitised_with_a_link_to_its_source(system):
    # Given a web server and a worker
    web = system.start_web()
    client = system.client(web)
    system.start_worker(threads=1)

    # When a Markdown paste comes through the API
    response = client.submit("/api/v2/", {"content": MARKDOWN, "syntax": "md", "exposure": "public"})
    assert response.status == 201, response.body
    slug = response.location.rstrip("/").rsplit("/", 1)[-1]

    # Then the worker renders it, and its page shows the document, sanitised, with the source a link away
    assert wait_for_render(client, slug)["document"] is True
    page = client.get(f"/{slug}/").body
    assert "<h1>Release notes</h1>" in page and "<em>search</em>" in page
    assert '<a href="https://example.com/docs" rel="nofollow noopener noreferrer">docs</a>' in page
    assert '<span class="k">def</span>' in page
    assert "&lt;script&gt;" in page and '<script>alert("x")' not in page
    assert "javascript:" in page and 'href="javascript:' not in page  # left as text, never a link
    source = client.get(f"/{slug}/?view=source").body
    assert "<h1>Release notes</h1>" not in source and "# Release notes" in source
