"""The snippet page and the editor in a real browser (Debian's chromium through Playwright) against a real web
server: copy, fork, word wrap, Tab and Ctrl+Enter in the editor, the remembered language, and dark mode."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_problems

pytestmark = [pytest.mark.integration, pytest.mark.browser]

STAFF_EMAIL, STAFF_PASSWORD = "boss@example.com", "a-long-staff-password-1"


@pytest.fixture
def web(system):
    return system.start_web()


def create(page, code, title=""):
    page.goto("/")
    page.fill("textarea[name=original_code]", code)
    page.fill("input[name=title]", title)
    page.click("button:has-text('Create snippet')")
    expect(page.locator("h1")).to_have_text(title or "Untitled")
    page.wait_for_load_state()  # the new page's stylesheet, which the layout checks depend on
    return page.url


def test_copy_puts_the_code_on_the_clipboard_and_says_copied(web, browser):
    context = browser.new_context(base_url=web.base_url, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems = console_problems(page)
    code = "def greet(name):\n    return f'<b>{name}</b> & co'\n"
    create(page, code)

    page.click("#copy-code")

    expect(page.locator("#copy-code")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code
    expect(page.locator("#copy-code")).to_have_text("Copy", timeout=5000)
    assert problems == []


def test_a_multi_line_paste_comes_back_byte_for_byte_on_raw_and_download_and_copy_agrees(web, browser):
    context = browser.new_context(
        base_url=web.base_url, permissions=["clipboard-read", "clipboard-write"], accept_downloads=True
    )
    page = context.new_page()
    problems = console_problems(page)
    # Given a shell script as the user has it, LF line ends, a blank line and non-ASCII text
    typed = "#!/bin/sh\nset -e\n\necho 'naïve ✓'\nexit 0\n"
    url = create(page, typed)
    slug = url.rstrip("/").rsplit("/", 1)[1]

    # Then raw and download give exactly those bytes (the browser sent CRLF), and the page counts them
    assert context.request.get(f"/raw/{slug}/").body() == typed.encode()
    with page.expect_download() as download:
        page.click("text=Download")
    assert Path(download.value.path()).read_bytes() == typed.encode()
    expect(page.locator("#code-size")).to_have_text(f"5 lines · {len(typed.encode())} bytes")
    # And Copy puts the same text on the clipboard
    page.click("#copy-code")
    expect(page.locator("#copy-code")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == typed
    assert problems == []


def test_a_fork_opens_the_editor_filled_in_and_the_new_paste_links_back_to_its_source(web, browser):
    page = browser.new_page(base_url=web.base_url)
    problems = console_problems(page)
    source_url = create(page, "SELECT 1;\n", title="Query")

    page.click("text=New paste from this")

    expect(page.locator("textarea[name=original_code]")).to_have_value("SELECT 1;\n")
    expect(page.locator("input[name=title]")).to_have_value("Query")
    page.fill("input[name=title]", "Better query")
    page.click("button:has-text('Create snippet')")
    expect(page.locator("h1")).to_have_text("Better query")
    expect(page.locator("main")).to_contain_text("Forked from Query")
    fork_url = page.url
    page.goto(source_url)
    expect(page.locator(".forks a")).to_have_attribute("href", fork_url.removeprefix(web.base_url))
    assert problems == []


def test_word_wrap_folds_long_lines_and_is_remembered_on_the_next_page(web, browser):
    page = browser.new_page(base_url=web.base_url, viewport={"width": 1000, "height": 800})
    problems = console_problems(page)
    create(page, "x = '" + "long " * 200 + "'\n")
    code = page.locator("#code pre.highlight")
    overflows = "el => el.scrollWidth > el.clientWidth"
    assert code.evaluate(overflows)

    page.check("#wrap-toggle")

    assert not code.evaluate(overflows)
    assert code.evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"
    create(page, "y = '" + "longer " * 200 + "'\n")
    expect(page.locator("#wrap-toggle")).to_be_checked()
    assert not page.locator("#code pre.highlight").evaluate(overflows)
    assert problems == []


def test_the_code_takes_the_full_width_and_the_recent_list_sits_below_it(web, browser):
    page = browser.new_page(base_url=web.base_url, viewport={"width": 1280, "height": 900})
    create(page, "print(1)\n")
    main, aside = page.locator("main").bounding_box(), page.locator("aside.sidebar").bounding_box()
    assert aside["y"] >= main["y"] + main["height"]
    assert main["width"] == pytest.approx(aside["width"], abs=1)


def test_tab_indents_shift_tab_outdents_escape_then_tab_leaves_and_ctrl_enter_submits(web, browser):
    page = browser.new_page(base_url=web.base_url)
    problems = console_problems(page)
    page.goto("/")
    box = page.locator("textarea[name=original_code]")
    box.click()
    page.keyboard.type("if x:")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("y()")
    expect(box).to_have_value("if x:\n    y()")

    box.evaluate("el => el.setSelectionRange(0, el.value.length)")  # both lines
    page.keyboard.press("Tab")
    expect(box).to_have_value("    if x:\n        y()")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(box).to_have_value("if x:\ny()")
    assert page.evaluate("document.activeElement.name") == "original_code"

    language = page.locator("select[name=language]").input_value()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") != "original_code"
    assert page.locator("select[name=language]").input_value() == language

    box.click()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#code code")).to_contain_text("if x:")
    assert problems == []


def test_the_last_language_chosen_is_chosen_again_on_a_blank_editor(web, browser):
    page = browser.new_page(base_url=web.base_url)
    page.goto("/")
    page.select_option("select[name=language]", label="Rust")
    page.goto("/")
    assert page.locator("select[name=language] option:checked").inner_text() == "Rust"
    page.select_option("select[name=language]", value="detect")
    page.reload()
    assert page.locator("select[name=language]").input_value() == "detect"


def expect_background(page, selector, colour):
    """Waits for the colour, as a page reached by a click may still be loading its stylesheet."""
    expect(page.locator(selector).first).to_have_css("background-color", colour)


def test_dark_mode_follows_the_systems_colour_scheme_on_the_site_the_code_and_the_dashboard(system, web, browser):
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('boss', '{STAFF_EMAIL}', '{STAFF_PASSWORD}')"
    )
    light = browser.new_page(base_url=web.base_url, color_scheme="light")
    url = create(light, "import os\n")
    dark = browser.new_page(base_url=web.base_url, color_scheme="dark")
    problems = console_problems(dark)
    dark.goto(url)

    expect_background(light, "body", "rgb(243, 245, 247)")
    expect_background(dark, "body", "rgb(15, 21, 28)")
    expect_background(light, "#code pre.highlight", "rgb(248, 248, 248)")
    expect_background(dark, "#code pre.highlight", "rgb(13, 17, 23)")
    expect(dark.locator("h1")).to_have_css("color", "rgb(227, 232, 238)")
    assert problems == []

    dark.goto("/dashboard/")
    dark.fill("#id_username", STAFF_EMAIL)
    dark.fill("#id_password", STAFF_PASSWORD)
    dark.click("input[type=submit]")
    expect(dark.locator("h1")).to_have_text("Overview")
    expect_background(dark, "body", "rgb(15, 21, 28)")
