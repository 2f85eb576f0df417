"""The dashboard's settings (read in settings.py from the environment) and its fixed timings, in one place."""

from django.conf import settings

# A worker process writes its buffered task events this often, and its heartbeat every HEARTBEAT_SECONDS;
# one silent for WORKER_STALE_SECONDS is shown as stale, and after WORKER_DROP_SECONDS dropped.
FLUSH_SECONDS = 0.5
HEARTBEAT_SECONDS = 5
WORKER_STALE_SECONDS = 30
WORKER_DROP_SECONDS = 300


def immediate_writes():
    """Tests only: outside worker processes, write each event in the thread that records it (see recorder.py)."""
    return getattr(settings, "DASHBOARD_HISTORY_IMMEDIATE", False)


def retention_days():
    return settings.DASHBOARD_RETENTION_DAYS


def metrics_token():
    return settings.DASHBOARD_METRICS_TOKEN


def management_url():
    return settings.RABBITMQ_MANAGEMENT_URL


def rabbitmq_url():
    return settings.RABBITMQ_URL
