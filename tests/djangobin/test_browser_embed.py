"""Embeds in a real browser (Debian's chromium): a page of another origin frames a snippet's embed view and uses
its script tag, while the snippet's own page refuses to be framed."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.support.ports import bound_socket

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def other_site():
    """A web server of another origin (another port of loopback: Chrome lets no public page frame loopback) that
    answers every GET with `other_site.html`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = server.html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = bound_socket()  # bound at the pick: nothing can take the port before it listens
    server.server_address = server.socket.getsockname()
    server.server_activate()
    server.html = ""
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_another_sites_page_frames_the_embed_and_its_script_tag_but_not_the_snippet_page(system, browser, other_site):
    # Given a public snippet, highlighted, and a page on another origin that frames it three ways
    web = system.start_web()
    slug = system.shell(
        "from tests.factories import make_snippet\nfrom actors.renders import highlight_snippet\n"
        "s = make_snippet(code='def framed():\\n    return 42\\n' * 3, title='Framed')\n"
        "highlight_snippet.fn(s.pk)\nprint(s.slug)"
    )
    other_site.html = (
        "<!doctype html><title>A blog</title><h1>My post</h1>"
        f'<iframe id="embed" src="{web.base_url}/embed/{slug}/" width="600" height="300"></iframe>'
        f'<iframe id="page" src="{web.base_url}/{slug}/" width="600" height="300"></iframe>'
        f'<div id="scripted"><script src="{web.base_url}/embed/{slug}.js"></script></div>'
    )
    page = browser.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))

    # When the other site's page is opened
    page.goto(other_site.url)

    # Then the embed view shows the highlighted code, its title linking to the snippet
    embedded = page.frame_locator("#embed")
    expect(embedded.locator("#code code span.k").first).to_have_text("def")
    expect(embedded.locator("a.embed-title")).to_have_attribute("href", f"/{slug}/")

    # And the script tag made a frame of the embed view and sized it to the code
    scripted = page.locator("#scripted iframe")
    expect(scripted).to_have_attribute("title", "Framed (djangobin)")
    expect(page.frame_locator("#scripted iframe").locator("#code code")).to_contain_text("return 42")
    deadline = time.monotonic() + 15
    while scripted.evaluate("frame => frame.style.height") == "20em" and time.monotonic() < deadline:
        time.sleep(0.1)
    height = scripted.evaluate("frame => frame.getBoundingClientRect().height")
    inner = (
        page.frame_locator("#scripted iframe").locator("body").evaluate("body => document.documentElement.scrollHeight")
    )
    assert abs(height - (inner + 2)) <= 2

    # And the snippet's own page was refused in its frame (frame-ancestors 'none')
    deadline = time.monotonic() + 15
    while not any("frame-ancestors" in text for text in console) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [text for text in console if "frame-ancestors" in text] == [
        f"Framing '{web.base_url}/' violates the following Content Security Policy directive: "
        "\"frame-ancestors 'none'\". The request has been blocked.\n"
    ]
    assert page.locator("#page").element_handle().content_frame().url == "chrome-error://chromewebdata/"
