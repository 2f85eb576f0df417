"""Incident operations in a real browser against a real web server, a real worker and RabbitMQ: cancel a delayed
task before it runs, retry every failed task of a filter in bulk and watch the progress, read an actor's page."""

import pytest
from playwright.sync_api import expect

from tests.dashboard.test_browser import STAFF_EMAIL, STAFF_PASSWORD, watch

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ACTOR = "prune_task_history"


def _log_in(page, next_path):
    page.goto(f"/admin/login/?next={next_path}")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")


def test_staff_cancel_a_delayed_task_bulk_retry_failures_and_read_the_actor_page(system, browser):
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('boss', '{STAFF_EMAIL}', '{STAFF_PASSWORD}')\n"
        "from tests.taskhistory.factories import make_task\n"
        f"for n in range(3): make_task(status='failed', actor_name='{ACTOR}', queue_name='maintenance', args=[])\n"
    )
    worker = system.start_worker()
    web = system.start_web()
    page = browser.new_page(base_url=web.base_url)
    problems = watch(page)
    _log_in(page, "/dashboard/")
    expect(page.locator("h1")).to_have_text("Overview")

    # Cancel: a task sent for 20 s later is cancelled (the worker skips it when it comes due, checked further down).
    delayed_id = system.shell(
        f"from actors.dashboard import {ACTOR}\nprint({ACTOR}.send_with_options(delay=20_000).message_id)\n"
    )
    page.goto(f"/dashboard/tasks/{delayed_id}/")
    expect(page.locator("[data-key='task:status']")).to_have_text("delayed", timeout=10_000)
    page.click("text=Cancel…")
    page.click("button:has-text('Cancel this task')")
    expect(page.locator(".message-success")).to_contain_text("cancelled")

    # Bulk retry: everything the filter matches, done by the worker, progress shown.
    page.goto(f"/dashboard/tasks/?status=failed&actor={ACTOR}")
    expect(page.locator("table.tasks tbody tr")).to_have_count(3)
    page.select_option("select[name=action]", "retry")
    page.click("button:has-text('Apply to all matching the filter')")
    expect(page.locator("h1")).to_have_text("Retry 3 tasks?")
    page.click("button:has-text('Retry 3 tasks')")
    expect(page.locator("h1")).to_have_text("Retry 3 tasks")
    expect(page.locator("[data-key='operation:state']")).to_have_text("finished", timeout=30_000)
    expect(page.locator("[data-key='operation:done']")).to_have_text("3")
    succeeded = f"/dashboard/tasks/?status=succeeded&actor={ACTOR}"
    page.goto(succeeded)
    expect(page.locator("table.tasks tbody tr")).to_have_count(3, timeout=30_000)

    # The cancelled task came due meanwhile (its 20 s overlap the bulk retry) and was skipped.
    worker.wait_for_log(f"Message {ACTOR}() was skipped", timeout=40)
    page.goto(f"/dashboard/tasks/{delayed_id}/")
    expect(page.locator("[data-key='task:status']")).to_have_text("cancelled")

    # The actor page: its numbers over an hour, a day and a week, with charts.
    page.goto(succeeded)
    page.locator("table.tasks tbody tr a", has_text=ACTOR).first.click()
    expect(page.locator("h1")).to_have_text(f"Actor {ACTOR}")
    expect(page.locator("svg.chart")).to_have_count(3)
    expect(page.locator("[data-key='actor:1h:attempts']").first).to_have_text("3")
    assert problems == []
