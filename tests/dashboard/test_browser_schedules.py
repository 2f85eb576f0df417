"""Schedules as data, in a real browser (Debian's chromium through Playwright) against a real web server, a real
scheduler daemon, a real worker and RabbitMQ: staff create a job on the dashboard and watch it run; the scheduler
pages fit a desktop and a phone, with no button cut off."""

import time

import pytest
from playwright.sync_api import expect

from tests.dashboard.test_browser import STAFF_EMAIL, STAFF_PASSWORD, watch

pytestmark = [pytest.mark.integration, pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(page, next_path):
    page.goto(f"/admin/login/?next={next_path}")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def make_staff(system):
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('boss', '{STAFF_EMAIL}', '{STAFF_PASSWORD}')"
    )


def test_staff_create_a_job_on_the_dashboard_and_watch_the_scheduler_run_it(system, browser):
    make_staff(system)
    system.start_worker()
    scheduler = system.start("scheduler", "runscheduler")
    scheduler.wait_for_log("leads: it fires the jobs")
    web = system.start_web()
    page = browser.new_page(base_url=web.base_url, viewport=DESKTOP)
    problems = watch(page)
    log_in(page, "/dashboard/scheduler/")

    page.click("text=New job…")
    page.fill("#id_name", "purge-every-3s")
    page.select_option("#id_actor", "remove_snippets")
    page.check("input[name=kind][value=interval]")
    page.fill("#id_interval_seconds", "3")
    page.select_option("#id_catch_up", "skip")
    page.click("button:has-text('Check and review')")
    expect(page.locator("h1")).to_have_text("New scheduler job?")
    expect(page.locator("ol.fire-times li")).to_have_count(5)
    page.click("button:has-text('Create this job')")

    expect(page.locator(".message-success")).to_contain_text("purge-every-3s is saved")
    expect(page.locator("h1")).to_contain_text("purge-every-3s")
    succeeded = page.locator("table.runs a .status-succeeded")
    deadline = time.monotonic() + 60
    while succeeded.count() == 0:  # a new run is a new row: reload until the worker has run one
        assert time.monotonic() < deadline, f"no run succeeded within 60 s:\n{system.logs()}"
        page.wait_for_timeout(500)
        page.reload()
    succeeded.first.click()
    expect(page.locator("h1")).to_contain_text("remove_snippets")
    expect(page.locator("[data-key='task:status']")).to_have_text("succeeded")
    assert "Enqueued purge-every-3s" in scheduler.log()
    assert problems == []


FIT_CHECK = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width) problems.push(`the page scrolls sideways: ${pageWidth}px`);
  for (const table of document.querySelectorAll('main table')) {
    const box = table.parentElement;
    const scrolls = getComputedStyle(box).overflowX;
    if (box.scrollWidth > box.clientWidth + 1 && !['auto', 'scroll'].includes(scrolls))
      problems.push(`a table is cut off: ${table.className}`);
  }
  for (const button of document.querySelectorAll('main a.button, main button, td.row-actions a')) {
    const inScroller = button.closest('.scroll-x');
    const rect = button.getBoundingClientRect();
    if (button.scrollWidth > button.clientWidth + 1 && button.clientWidth > 0)
      problems.push(`a button's text is clipped: ${button.textContent.trim()}`);
    if (!inScroller && (rect.left < 0 || rect.right > width + 1))
      problems.push(`a button is off screen: ${button.textContent.trim()}`);
  }
  return problems;
}"""


def test_the_scheduler_pages_fit_a_desktop_and_a_phone_with_no_button_cut_off(system, browser):
    make_staff(system)
    system.shell(
        "from scheduler import services\n"
        "from scheduler.models import PeriodicJob\n"
        "services.job_create(name='a-rather-long-job-name-for-a-phone-screen', actor='send_feedback_mail', "
        "args=[123456789], crontab='15 3 * * 1-5', timezone='America/Argentina/ComodRivadavia', "
        "description='A job with a long name, arguments and a long zone, to stretch the tables.')\n"
        "services.job_pause(job=PeriodicJob.objects.get(name='remove_snippets'))\n"
    )
    web = system.start_web()
    paths = [
        "/dashboard/scheduler/",
        "/dashboard/scheduler/add/",
        "/dashboard/scheduler/jobs/remove_snippets/",
        "/dashboard/scheduler/jobs/a-rather-long-job-name-for-a-phone-screen/",
        "/dashboard/scheduler/jobs/a-rather-long-job-name-for-a-phone-screen/edit/",
        "/dashboard/scheduler/jobs/a-rather-long-job-name-for-a-phone-screen/delete/",
    ]
    found = {}
    for viewport in (DESKTOP, PHONE):
        page = browser.new_page(base_url=web.base_url, viewport=viewport)
        problems = watch(page)
        log_in(page, "/dashboard/scheduler/")
        expect(page.locator(".alert")).to_contain_text("remove_snippets is required by the project")
        for path in paths:
            page.goto(path)
            if found_here := page.evaluate(FIT_CHECK):
                found[(viewport["width"], path)] = found_here
        page.goto("/dashboard/scheduler/jobs/a-rather-long-job-name-for-a-phone-screen/edit/")
        page.click("button:has-text('Check and review')")  # the review page, with its table of changes
        if found_here := page.evaluate(FIT_CHECK):
            found[(viewport["width"], "review")] = found_here
        assert problems == []
        page.close()
    assert found == {}
