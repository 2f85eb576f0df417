"""djangobin's pages in a real browser (Debian's chromium through Playwright) against a real web server:
burn after reading from the author's and a reader's browsers, the user menu, the login and paste forms."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_problems

pytestmark = [pytest.mark.integration, pytest.mark.browser]

EMAIL, PASSWORD = "ann@example.com", "a-long-fine-password-42"


@pytest.fixture
def web(system):
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_user('ann', '{EMAIL}', '{PASSWORD}')"
    )
    return system.start_web()


def rows(system, slug):
    return system.shell(f"from djangobin.models import Snippet; print(Snippet.objects.filter(slug={slug!r}).count())")


def log_in(page):
    page.goto("/login/")
    page.locator("main form input:not([type=hidden])").first.fill(EMAIL)
    page.fill("main form input[type=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("details.menu summary")).to_have_text("ann")


def test_a_burn_after_reading_paste_is_shown_to_its_first_reader_then_gone_for_everyone(system, web, browser):
    author = browser.new_context(base_url=web.base_url).new_page()
    problems = console_problems(author)
    # Given an anonymous author pastes with "Burn after reading" ticked
    author.goto("/")
    author.fill("textarea[name=original_code]", "the vault code is 4711")
    author.check("input[name=burn_after_reading]")
    author.click("button:has-text('Create snippet')")
    # Then they see their snippet with a warning, and it is still there
    expect(author.locator("[role=status]", has_text="Burn after reading")).to_be_visible()
    url = author.url
    author.reload()
    expect(author.locator("main")).to_contain_text("4711")
    author.goto("/about/")  # left open, the page's render polling would meet the burned snippet's 404

    # When a reader in another browser opens the link
    reader = browser.new_context(base_url=web.base_url).new_page()
    reader_problems = console_problems(reader)
    reader.goto(url)
    # Then they are asked to confirm first, without the code, and the snippet is still there
    expect(reader.locator("[role=alert]")).to_contain_text("deleted for good as you open it")
    expect(reader.locator("main")).not_to_contain_text("4711")
    slug = url.rstrip("/").rsplit("/", 1)[1]
    assert rows(system, slug) == "1"
    # And when they click "Show and delete", they see the code and the warning that it is now deleted
    reader.click("button:has-text('Show and delete')")
    expect(reader.locator("main")).to_contain_text("4711")
    expect(reader.locator("[role=alert]")).to_contain_text("this snippet was deleted as you opened it")
    # And the page offers Copy but no Raw or Download, which would answer 404 now
    expect(reader.locator("#copy-code")).to_be_visible()
    expect(reader.get_by_role("link", name="Raw")).to_have_count(0)
    expect(reader.get_by_role("link", name="Download")).to_have_count(0)
    assert problems == [] and reader_problems == []
    # And nobody, the author included, can open it again (DJANGO_DEBUG's 404 page has inline style: not watched)
    for page in (reader, author):
        response = page.goto(url)
        assert response.status == 404
    assert rows(system, slug) == "0"


def test_a_reader_whose_browser_runs_no_javascript_confirms_and_reads_just_the_same(system, web, browser):
    slug = system.shell(
        "from tests.factories import make_snippet\n"
        "print(make_snippet(code='the vault code is 4711', burn_after_reading=True).slug)"
    )
    reader = browser.new_context(base_url=web.base_url, java_script_enabled=False).new_page()

    reader.goto(f"/{slug}/")
    reader.click("button:has-text('Show and delete')")

    expect(reader.locator("main")).to_contain_text("4711")
    expect(reader.locator("[role=alert]")).to_contain_text("this snippet was deleted as you opened it")
    assert rows(system, slug) == "0"


def test_the_user_menu_closes_on_escape_and_on_a_click_outside(web, browser):
    page = browser.new_page(base_url=web.base_url)
    problems = console_problems(page)
    log_in(page)
    menu = page.locator("details.menu")
    summary = menu.locator("summary")

    summary.click()
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

    summary.click()
    expect(menu.locator("text=Settings")).to_be_visible()
    page.click("h1")
    expect(menu).not_to_have_attribute("open", "")

    summary.click()
    menu.locator("text=Settings").click()  # a click inside the menu still follows its link
    expect(page).to_have_url(f"{web.base_url}/settings/")
    assert problems == []


def test_the_login_form_focuses_its_first_field_and_names_what_each_field_autocompletes(web, browser):
    page = browser.new_page(base_url=web.base_url)
    page.goto("/login/")
    fields = page.locator("main form input:not([type=hidden])")
    assert page.evaluate("document.activeElement === document.querySelector('main form input:not([type=hidden])')")
    assert fields.first.get_attribute("autocomplete") == "username"
    assert page.locator("main form input[type=password]").get_attribute("autocomplete") == "current-password"


def test_the_paste_forms_fields_line_up_when_one_has_help_text(web, browser):
    page = browser.new_page(base_url=web.base_url, viewport={"width": 1280, "height": 900})
    page.goto("/")  # anonymous: Exposure and Tags carry help text, Language, Expiration and Title do not
    rows = [["language", "expiration", "exposure"], ["title", "tags"]]
    for names in rows:
        tops = {name: page.locator(f"[name={name}]").bounding_box()["y"] for name in names}
        assert len(set(tops.values())) == 1, tops
