"""The health endpoint's log: a line when the site's health changes, not an ERROR (and a mail to ADMINS) per poll.

A load balancer polls /dashboard/api/health/ every few seconds; while a part is down each poll answers 503, which
Django's request logger would log at ERROR every time. Each web process instead logs a WARNING when parts start
failing (or others join them) and an INFO when every part answers again, and HealthPollFilter drops Django's line.
"""

import logging
import threading

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_failing: frozenset[str] = frozenset()  # the parts failing at this process's last check


def health_log_change(checks: dict) -> None:
    """Log the checks' outcome if it differs from this process's last one: WARNING naming what fails, INFO on
    recovery, nothing while it stays the same."""
    global _failing
    failing = frozenset(name for name, check in checks.items() if not check.ok)
    with _lock:
        changed, _failing = failing != _failing, failing
    if not changed:
        return
    if failing:
        details = ", ".join(f"{name} ({checks[name].detail})" for name in sorted(failing))
        logger.warning("Health check failing, answering 503 until it recovers: %s", details)
    else:
        logger.info("Health check: every part answers again.")


class HealthPollFilter(logging.Filter):
    """On `django.request`: drops the ERROR record of a 503 from the health endpoint, which health_log_change has
    reported once already."""

    def filter(self, record: logging.LogRecord) -> bool:
        match = getattr(getattr(record, "request", None), "resolver_match", None)
        health_503 = getattr(record, "status_code", None) == 503 and match is not None
        return not (health_503 and match.view_name == "dashboard:api_health")
