"""Task history's settings (read in settings.py from the environment) and its fixed timings, in one place."""

from django.conf import settings

# A process writes its buffered task events this often, and a worker its heartbeat every HEARTBEAT_SECONDS;
# one silent for WORKER_STALE_SECONDS is shown as stale, and after WORKER_DROP_SECONDS dropped.
FLUSH_SECONDS = 0.5
HEARTBEAT_SECONDS = 5
WORKER_STALE_SECONDS = 30
WORKER_DROP_SECONDS = 300


def immediate_writes() -> bool:
    """Tests only: outside worker processes, write each event in the thread that records it (see recorder.py)."""
    return getattr(settings, "TASKHISTORY_IMMEDIATE", False)


def retention_days() -> int:
    return settings.TASKHISTORY_RETENTION_DAYS
