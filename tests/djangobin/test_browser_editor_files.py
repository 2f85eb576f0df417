"""The paste form in a real browser (Debian's chromium): a file picked or dropped on the editor fills the box, the
language and the title, and the language list's filter box narrows hundreds of languages to the one typed."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_problems

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def language_id(system, lang_code):
    return system.shell(
        f"from djangobin.models import Language; print(Language.objects.get(lang_code={lang_code!r}).pk)"
    )


@pytest.fixture
def page(system, browser):
    web = system.start_web()
    page = browser.new_page(base_url=web.base_url)
    page.problems = console_problems(page)
    page.goto("/")
    return page


def test_a_picked_file_fills_the_editor_the_language_and_the_title_and_is_pasted_as_text(system, page):
    # When a Rust file is picked
    page.set_input_files(
        "input[name=file]", files=[{"name": "tool.rs", "mimeType": "text/plain", "buffer": b"fn main() {}\n"}]
    )

    # Then the box holds its text, the language is Rust, the title its name, and the file input is empty again
    expect(page.locator("textarea[name=original_code]")).to_have_value("fn main() {}\n")
    expect(page.locator("select[name=language]")).to_have_value(language_id(system, "rust"))
    expect(page.locator("input[name=title]")).to_have_value("tool.rs")
    assert page.eval_on_selector("input[name=file]", "input => input.files.length") == 0

    # And the paste is stored as that text in Rust
    page.click("button:has-text('Create snippet')")
    expect(page.locator("#snippet-language")).to_have_text("Rust")
    expect(page.locator("#code code")).to_contain_text("fn main() {}")
    assert page.problems == []


def test_a_file_dropped_on_the_editor_fills_it_and_the_language(system, page):
    # When a SQL file is dropped on the box
    transfer = page.evaluate_handle(
        "() => { const data = new DataTransfer();"
        " data.items.add(new File(['SELECT 1;\\n'], 'query.sql', {type: 'text/plain'})); return data; }"
    )
    page.dispatch_event("textarea[name=original_code]", "drop", {"dataTransfer": transfer})

    # Then the box holds its text and the language is SQL
    expect(page.locator("textarea[name=original_code]")).to_have_value("SELECT 1;\n")
    expect(page.locator("select[name=language]")).to_have_value(language_id(system, "sql"))
    assert page.problems == []


def test_a_file_over_the_limit_or_not_text_is_refused_in_the_page_and_the_box_keeps_its_text(system, page):
    page.fill("textarea[name=original_code]", "kept")
    page.set_input_files(
        "input[name=file]", files=[{"name": "a.bin", "mimeType": "application/octet-stream", "buffer": b"\xff\xfe\xfa"}]
    )
    expect(page.locator("#file-error")).to_have_text("a.bin is not UTF-8 text.")
    big = b"x" * (512 * 1024 + 1)
    page.set_input_files("input[name=file]", files=[{"name": "big.txt", "mimeType": "text/plain", "buffer": big}])
    expect(page.locator("#file-error")).to_contain_text("big.txt is 524,289 bytes; a snippet may be 524,288.")
    expect(page.locator("textarea[name=original_code]")).to_have_value("kept")


def test_the_filter_box_narrows_the_language_list_and_picks_the_first_language_left(system, page):
    select = page.locator("select[name=language]")
    assert select.locator("option").count() > 500

    page.fill("input.language-filter", "fortran")

    expect(select).to_have_value(language_id(system, "fortran"))
    visible = page.eval_on_selector_all(
        "select[name=language] option", "all => all.filter(o => !o.hidden).map(o => o.text)"
    )
    assert visible and all("fortran" in name.lower() for name in visible)
    page.fill("input.language-filter", "")
    assert page.eval_on_selector_all("select[name=language] option", "all => all.filter(o => o.hidden).length") == 0
    assert page.problems == []


def test_without_javascript_a_picked_file_is_sent_and_the_server_chooses_its_language(system, browser):
    web = system.start_web()
    page = browser.new_context(base_url=web.base_url, java_script_enabled=False).new_page()
    page.goto("/")
    assert page.locator("input.language-filter").count() == 0

    page.set_input_files(
        "input[name=file]", files=[{"name": "build.sh", "mimeType": "text/plain", "buffer": b"echo hi\n"}]
    )
    page.click("button:has-text('Create snippet')")

    expect(page.locator("#snippet-language")).to_have_text("Bash")
    expect(page.locator("#code code")).to_contain_text("echo hi")
