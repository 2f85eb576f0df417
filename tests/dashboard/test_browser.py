"""The dashboard in a real browser (Debian's chromium through Playwright) against a real web server, a real
worker and RabbitMQ: a feedback mail refused by the mail server fails for good; once the server accepts mail
again, a staff member retries it from the dashboard and watches it succeed."""

import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.integration, pytest.mark.browser]

STAFF_EMAIL, STAFF_PASSWORD = "boss@example.com", "a-long-staff-password-1"


def watch(page):
    """Console errors and uncaught exceptions of `page` (a Content-Security-Policy refusal shows up here).

    Django's admin login page links no icon, so chromium asks the site for /favicon.ico, which it does not
    serve: that one 404 is not the dashboard's (its own pages link their icon).
    """
    problems = []

    def console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico/"):
            problems.append(f"{message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _reload_until(page, locator, timeout=30.0):
    """Reload until `locator` shows up (a new row needs a reload; numbers on a page refresh by themselves)."""
    deadline = time.monotonic() + timeout
    while locator.count() == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing matched {locator} within {timeout} s:\n{page.content()[:3000]}")
        page.wait_for_timeout(300)
        page.reload()


def test_staff_retry_a_failed_mail_from_the_dashboard_and_watch_it_succeed(system, smtp_server, browser):
    smtp_server.handler.reply = "550 5.1.1 mailbox unavailable"
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('boss', '{STAFF_EMAIL}', '{STAFF_PASSWORD}')"
    )
    system.start_worker()
    web = system.start_web()
    system.shell(
        "from djangobin.services.feedback import feedback_create\n"
        "feedback_create(name='Ann', email='ann@example.com', purpose='bug', message='The raw view is broken')"
    )

    page = browser.new_page(base_url=web.base_url)
    problems = watch(page)
    page.goto("/dashboard/")
    expect(page).to_have_url(f"{web.base_url}/admin/login/?next=/dashboard/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Overview")

    page.click("nav >> text=Tasks")
    page.select_option("select[name=status]", "failed")
    page.click("button:has-text('Filter')")
    failed_row = page.locator("table.tasks tbody tr", has_text="send_feedback_mail").filter(has_text="failed")
    _reload_until(page, failed_row)
    failed_row.first.locator("a").first.click()
    expect(page.locator("[data-key='task:status']")).to_have_text("failed")
    expect(page.locator("pre.traceback")).to_contain_text("550")
    assert smtp_server.messages == []

    smtp_server.handler.reply = "250 OK"  # the mail server is fixed
    page.click("text=Retry…")
    expect(page.locator("h1")).to_contain_text("Retry task")
    page.click("button:has-text('Retry this task')")
    expect(page.locator(".message-success")).to_contain_text("re-sent as this new task")

    page.evaluate("window.stillTheSamePage = true")
    expect(page.locator("[data-key='task:status']")).to_have_text("succeeded", timeout=30_000)
    assert page.evaluate("window.stillTheSamePage") is True  # refreshed by refresh.js, not a reload
    [(recipients, message)] = smtp_server.wait_for(1)
    assert recipients == ["admin@example.com"]
    assert "The raw view is broken" in message.get_content()
    expect(page.locator("text=A retry of")).to_be_visible()

    page.click("nav >> text=Workers")
    expect(page.locator(".state-live").first).to_have_text("live")
    assert "Could not record" not in system.logs()
    assert "Task history:" not in system.logs()
    assert problems == []


def test_staff_see_the_scheduler_turn_green_and_run_the_purge_now(system, browser):
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('boss', '{STAFF_EMAIL}', '{STAFF_PASSWORD}')"
    )
    system.start_worker()
    web = system.start_web()
    page = browser.new_page(base_url=web.base_url)
    problems = watch(page)
    page.goto("/admin/login/?next=/dashboard/scheduler/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator(".health")).to_have_class("health health-bad")  # no scheduler daemon yet
    expect(page.locator(".health")).to_contain_text("No scheduler daemon is running")

    system.start("scheduler", "runscheduler").wait_for_log("leads: it fires the jobs")
    expect(page.locator(".health")).to_have_class("health health-ok", timeout=20_000)  # refreshed, not reloaded

    page.locator("table.jobs tr", has_text="remove_snippets").locator("text=Run now…").click()
    page.click("button:has-text('Run remove_snippets now')")
    expect(page.locator(".message-success")).to_contain_text("remove_snippets was sent")
    expect(page.locator("[data-key='task:status']")).to_have_text("succeeded", timeout=30_000)
    assert problems == []
