"""Debian's chromium through Playwright, for page tests: never a browser Playwright downloads."""

from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium(*, scrollbars=False):
    """`scrollbars`: lay scrollbars out as a desktop browser does (headless Playwright hides them by default), for
    tests that measure whether a scrolling box shows one."""
    hidden = ["--hide-scrollbars"] if scrollbars else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, ignore_default_args=hidden
        )
        try:
            yield browser
        finally:
            browser.close()


def console_problems(page):
    """Console errors and uncaught exceptions of `page`, as they come (a Content-Security-Policy refusal is one)."""
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems
