"""The dashboard's own settings (read in settings.py from the environment)."""

from django.conf import settings


def api_token() -> str:
    """The read-only bearer token of /dashboard/api/ and /dashboard/metrics (DASHBOARD_METRICS_TOKEN is its alias)."""
    return settings.DASHBOARD_API_TOKEN or settings.DASHBOARD_METRICS_TOKEN
