"""Task history's settings carry its name; the dashboard-era names still work, with a deprecation warning."""

import os
import subprocess
import sys


def _settings_read(env):
    """TASKHISTORY_RETENTION_DAYS and the system check's warnings, as a fresh process with `env` sees them."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'django_project.settings_test'; django.setup();"
        "from django.conf import settings; from django.core.checks import run_checks;"
        "print(settings.TASKHISTORY_RETENTION_DAYS); print(sorted(m.id for m in run_checks()))"
    )
    base = {k: v for k, v in os.environ.items() if "RETENTION_DAYS" not in k}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split("\n")
    return int(out[0]), out[1]


def test_the_retention_is_read_under_the_owners_name():
    days, checks = _settings_read({"TASKHISTORY_RETENTION_DAYS": "3"})
    assert days == 3
    assert "taskhistory.W001" not in checks


def test_the_dashboard_era_name_is_still_read_and_warned_about():
    days, checks = _settings_read({"DASHBOARD_RETENTION_DAYS": "5"})
    assert days == 5
    assert "taskhistory.W001" in checks


def test_the_new_name_wins_over_the_old_one_without_a_warning():
    days, checks = _settings_read({"TASKHISTORY_RETENTION_DAYS": "4", "DASHBOARD_RETENTION_DAYS": "9"})
    assert days == 4
    assert "taskhistory.W001" not in checks


def test_the_default_is_a_week():
    assert _settings_read({})[0] == 7
