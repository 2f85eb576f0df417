"""Every dashboard page at 390 px wide (a phone) in a real browser: the page never scrolls sideways."""

import pytest

from tests.dashboard.test_browser import STAFF_EMAIL, STAFF_PASSWORD, watch

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PHONE = {"width": 390, "height": 844}
MESSAGE_ID = "0b3c7a52-5d8e-4a7e-9a55-2f0d3c1e9a10"
PAGES = [
    "/dashboard/",
    "/dashboard/workers/",
    "/dashboard/tasks/",
    "/dashboard/tasks/?status=failed",
    f"/dashboard/tasks/{MESSAGE_ID}/",
    f"/dashboard/tasks/{MESSAGE_ID}/retry/",
    "/dashboard/scheduler/",
    "/dashboard/scheduler/add/",
    "/dashboard/scheduler/jobs/remove_snippets/",
    "/dashboard/scheduler/jobs/remove_snippets/edit/",
    "/dashboard/queues/mail/purge-dead-letters/",
    "/dashboard/actors/send_feedback_mail/",
    "/dashboard/operations/1/",
]


def test_every_dashboard_page_fits_a_390_px_screen_without_sideways_scrolling(system, browser, tmp_path):
    system.shell(
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser('boss', '{STAFF_EMAIL}', '{STAFF_PASSWORD}')\n"
        "from tests.taskhistory.factories import make_task, make_stat\n"
        "from django.utils import timezone\n"
        f"make_task(status='failed', message_id='{MESSAGE_ID}', args=['a-long-argument-' * 8])\n"
        "for n in range(30): make_task(status='succeeded')\n"
        "make_stat(minute=timezone.now(), succeeded=30, failed=1, le_10ms=30)\n"
        "from taskhistory.models import BulkOperation\n"
        "BulkOperation.objects.create(pk=1, action='retry', total=3, done=1)\n"
    )
    web = system.start_web()
    page = browser.new_page(base_url=web.base_url, viewport=PHONE)
    problems = watch(page)
    page.goto("/admin/login/?next=/dashboard/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/dashboard/")
    too_wide = {}
    for path in PAGES:
        page.goto(path)
        page.screenshot(path=tmp_path / f"{len(too_wide)}-{path.strip('/').replace('/', '_') or 'overview'}.png")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
    assert problems == []
