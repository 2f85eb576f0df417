"""The snippet page in a real browser (Debian's chromium): plain code with line marks while no worker runs, then
the highlighted code swapped in without a reload once a worker has rendered it."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_problems

pytestmark = [pytest.mark.integration, pytest.mark.browser]


CODE = "".join(f"def step_{n}(value):\n    return value + {n}\n\n" for n in range(1, 15))


def geometry(page):
    """Line height, and where the line mark starts and ends, in lines from the top of the code's text."""
    return page.evaluate(
        """() => {
        const code = document.querySelector("#code pre.highlight");
        const mark = document.querySelector("#code .line-mark");
        const style = getComputedStyle(code);
        const line = parseFloat(style.lineHeight);
        const top = code.getBoundingClientRect().top + parseFloat(style.paddingTop);
        const box = mark.getBoundingClientRect();
        return {first: (box.top - top) / line + 1, lines: box.height / line, hidden: mark.hidden};
    }"""
    )


def test_the_page_shows_plain_code_with_line_marks_until_a_worker_renders_it_then_swaps_it_in(system, browser):
    # Given a paste made while no worker runs
    web = system.start_web()
    client = system.client(web)
    python = system.shell("from djangobin.models import Language; print(Language.objects.get(lang_code='python').pk)")
    data = {"original_code": CODE, "language": python, "expiration": "never", "exposure": "public"}
    slug = client.post("/", data).location.strip("/")
    page = browser.new_page(base_url=web.base_url)
    problems = console_problems(page)

    # When its page is opened at a range of lines
    page.goto(f"/{slug}/#L-10-20")

    # Then the code shows plain with its note, and lines 10 to 20 are marked
    expect(page.locator("#render-note")).to_contain_text("Highlighting is on its way")
    expect(page.locator("#code code")).to_contain_text("def step_1(value):")
    assert page.locator("#code code span").count() == 0
    assert geometry(page) == {
        "first": pytest.approx(10, abs=0.05),
        "lines": pytest.approx(11, abs=0.05),
        "hidden": False,
    }

    # And clicking line numbers links to a line, shift-clicking to a range
    gutter = page.locator("#code .gutter")
    line_height = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#code .gutter')).lineHeight)")
    padding = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#code .gutter')).paddingTop)")
    gutter.click(position={"x": 5, "y": padding + 2.5 * line_height})
    assert page.evaluate("location.hash") == "#L-3"
    gutter.click(position={"x": 5, "y": padding + 4.5 * line_height}, modifiers=["Shift"])
    assert page.evaluate("location.hash") == "#L-3-5"
    assert geometry(page)["first"] == pytest.approx(3, abs=0.05)

    # When a worker starts, the highlighted code replaces the plain one without a reload, and the note goes
    system.start_worker(threads=1)
    expect(page.locator("#code code span.nf").first).to_have_text("step_1", timeout=30_000)
    expect(page.locator("#render-note")).to_be_hidden()
    assert geometry(page)["lines"] == pytest.approx(3, abs=0.05)
    assert problems == []


def test_a_paste_left_to_detect_shows_its_guessed_language_and_colours_once_the_worker_has_run(system, browser):
    # Given a paste made with "Detect" while no worker runs
    web = system.start_web()
    page = browser.new_page(base_url=web.base_url)
    problems = console_problems(page)
    page.goto("/")
    page.fill("textarea[name=original_code]", '#!/bin/bash\nfor f in *.log; do\n  gzip "$f"\ndone\n')
    page.select_option("select[name=language]", value="detect")
    page.click("button:has-text('Create snippet')")

    # Then the page says Plain Text until a worker has guessed the language
    expect(page.locator("#snippet-language")).to_have_text("Plain Text")

    # When a worker starts, the guessed language and its colours come in without a reload
    system.start_worker(threads=1)
    expect(page.locator("#snippet-language")).to_have_text("Bash", timeout=30_000)
    expect(page.locator("#code code span.k").first).to_have_text("for")
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    assert (
        system.shell(
            f"from djangobin.models import Snippet; print(Snippet.objects.get(slug={slug!r}).language.lang_code)"
        )
        == "bash"
    )
    assert problems == []
