"""The dashboard's settings, read in one place with their defaults (settings.py fills them from the environment)."""

from django.conf import settings


def retention_days():
    return getattr(settings, "DASHBOARD_RETENTION_DAYS", 7)


def metrics_token():
    return getattr(settings, "DASHBOARD_METRICS_TOKEN", "")


def management_url():
    return getattr(settings, "RABBITMQ_MANAGEMENT_URL", "")


def rabbitmq_url():
    return settings.RABBITMQ_URL


def heartbeat_seconds():
    """How often each worker process writes its heartbeat."""
    return getattr(settings, "DASHBOARD_HEARTBEAT_SECONDS", 5)


def worker_stale_seconds():
    """A worker silent this long is shown as stale…"""
    return getattr(settings, "DASHBOARD_WORKER_STALE_SECONDS", 30)


def worker_drop_seconds():
    """…and after this long it is dropped from the list."""
    return getattr(settings, "DASHBOARD_WORKER_DROP_SECONDS", 300)


def flush_seconds():
    """How long a worker buffers task events before writing them in one transaction."""
    return getattr(settings, "DASHBOARD_FLUSH_SECONDS", 0.5)
