"""Every dashboard table fits its panel, or scrolls in its own box with a scrollbar in sight, at 1280 px and at
390 px, light and dark: no "Run now" cut to "Run nov", no error cut mid-word, no button whose text is clipped.

Measured in Debian's chromium with its scrollbars laid out as on a desktop (Playwright's headless default hides
them), on every page of a dashboard with something in each table (tests/dashboard/fitting_data.py)."""

import pytest

from tests.dashboard.fitting_data import MESSAGE_ID
from tests.dashboard.test_browser import STAFF_EMAIL, STAFF_PASSWORD, watch
from tests.support.browser import chromium

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PAGES = [
    "/dashboard/",
    "/dashboard/workers/",
    "/dashboard/tasks/",
    "/dashboard/tasks/?status=failed",
    f"/dashboard/tasks/{MESSAGE_ID}/",
    f"/dashboard/tasks/{MESSAGE_ID}/retry/",
    "/dashboard/scheduler/",
    "/dashboard/outbox/",
    "/dashboard/actors/send_feedback_mail/",
    "/dashboard/operations/1/",
]
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# What the page shows wrong, as sentences: each table wider than its panel must scroll in a box of its own that
# shows a scrollbar (and at 1280 px it must not need to); no cell, button or page may be cut off.
MEASURE = """(wide) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) problems.push(`the page scrolls sideways (${root.scrollWidth} px)`);
  const name = (el) => (el.closest("section")?.querySelector("h2")?.textContent
    || el.querySelector("thead th")?.textContent || el.textContent).trim().slice(0, 40);
  for (const table of document.querySelectorAll("main table")) {
    const box = table.parentElement;
    const overflow = getComputedStyle(box).overflowX;
    const tooWide = table.offsetWidth > box.clientWidth + 1;
    if (tooWide && wide) problems.push(`table "${name(table)}" is wider than its panel at ${root.clientWidth} px`);
    if (tooWide && !["auto", "scroll"].includes(overflow)) problems.push(`table "${name(table)}" overflows its panel`);
    if (tooWide && box.offsetHeight - box.clientHeight - 2 <= 0) {
      problems.push(`table "${name(table)}" scrolls without a scrollbar in sight`);
    }
    for (const cell of table.querySelectorAll("th, td")) {
      const text = cell.textContent.trim().slice(0, 40);
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`a cell of "${name(table)}" is cut: ${text}`);
    }
  }
  for (const button of document.querySelectorAll("main button, main .button, main input[type=submit]")) {
    const style = getComputedStyle(button);
    if (style.display === "none" || style.visibility === "hidden" || button.closest(".visually-hidden")) continue;
    if (button.scrollWidth > button.clientWidth + 1 || button.scrollHeight > button.clientHeight + 1) {
      problems.push(`button "${button.textContent.trim()}" has its text clipped`);
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_dashboard_table_fits_or_scrolls_visibly_and_no_button_is_clipped(system, tmp_path, scheme):
    system.shell(f"from tests.dashboard.fitting_data import seed; seed({STAFF_EMAIL!r}, {STAFF_PASSWORD!r})")
    web = system.start_web()
    found = {}
    with chromium(scrollbars=True) as browser:
        for screen, viewport in SCREENS.items():
            context = browser.new_context(base_url=web.base_url, viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            problems = watch(page)
            page.goto("/admin/login/?next=/dashboard/")
            page.fill("#id_username", STAFF_EMAIL)
            page.fill("#id_password", STAFF_PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url("**/dashboard/")
            for path in PAGES:
                assert page.goto(path).status == 200, path
                # Measured before any screenshot: Playwright's screenshots hide the scrollbars from then on.
                wrong = page.evaluate(MEASURE, viewport["width"] >= 1280)
                if wrong:
                    found[f"{screen} {path}"] = wrong
                    page.screenshot(path=tmp_path / f"{scheme}-{screen}-{path.strip('/').replace('/', '_')}.png")
            assert problems == []
            context.close()
    assert not found, "\n".join(f"{where}: {wrong}" for where, wrong in found.items())
