"""Revisions in a real browser (Debian's chromium) against a real web server and a real worker over RabbitMQ: an
anonymous author edits a paste, sees "Revision 2 of 2" and the diff the worker made, opens revision 1 and its
raw text, then deletes the paste with the link shown once after pasting."""

import time

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_problems

pytestmark = [pytest.mark.integration, pytest.mark.browser]

FIRST = "def greet(name):\n    return 'Hello ' + name\n"
SECOND = "def greet(name):\n    return f'Hello <b>{name}</b>'\n"


def reload_until_visible(page, selector, seconds=60):
    """Reload until `selector` is on the page: the worker's diff shows at the next load after it is stored."""
    deadline = time.monotonic() + seconds
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"{selector} did not appear within {seconds} s"
        page.wait_for_timeout(250)
        page.reload()


def test_an_anonymous_author_edits_reads_revision_1_and_its_raw_then_deletes_with_the_link(system, browser):
    web = system.start_web()
    system.start_worker(queues=["highlight"])
    page = browser.new_page(base_url=web.base_url)
    problems = console_problems(page)

    # Given a paste made anonymously, whose page shows its delete link once
    page.goto("/")
    page.fill("textarea[name=original_code]", FIRST)
    page.fill("input[name=title]", "Greeting")
    page.click("button:has-text('Create snippet')")
    expect(page.locator("h1")).to_have_text("Greeting")
    snippet_path = page.url.removeprefix(web.base_url)
    delete_link = page.locator("#delete-link a").get_attribute("href")
    assert delete_link.startswith("/delete/")
    page.reload()
    expect(page.locator("#delete-link")).to_have_count(0)

    # When its author edits it
    page.click("a:has-text('Edit')")
    page.fill("textarea[name=original_code]", SECOND)
    page.click("button:has-text('Save revision')")

    # Then the page says revision 2 of 2, and shows the diff once the worker made it
    expect(page.locator("#revision-of")).to_have_text("Revision 2 of 2")
    expect(page.locator(".highlight code")).to_contain_text("{name}</b>")
    reload_until_visible(page, "#diff")
    expect(page.locator("#diff .diff-del")).to_have_text("-    return 'Hello ' + name")
    expect(page.locator("#diff .diff-add")).to_have_text("+    return f'Hello <b>{name}</b>'")

    # And revision 1 has its own page and its raw text
    page.click(".revisions a:has-text('1')")
    expect(page.locator("#revision-of")).to_have_text("Revision 1 of 2")
    expect(page.locator(".highlight code")).to_contain_text("return 'Hello ' + name")
    raw = page.request.get(page.locator("a:has-text('Raw')").get_attribute("href"))
    # (The form stores a browser's CRLF line ends as sent until issue 22's first point lands: compare the lines.)
    assert raw.text().splitlines() == FIRST.splitlines()

    # When the author opens the delete link and confirms
    page.goto(delete_link)
    page.click("button:has-text('Delete for good')")

    # Then the paste is gone
    expect(page).to_have_url(f"{web.base_url}/")
    assert page.request.get(snippet_path).status == 404
    assert page.request.get(delete_link).status == 404
    assert problems == []
