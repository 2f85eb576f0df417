"""Task history maintenance actors."""

import dramatiq

from taskhistory.prune import history_prune


@dramatiq.actor(queue_name="maintenance", max_retries=3, min_backoff=60_000, max_backoff=600_000, time_limit=1_200_000)
def prune_task_history():
    """Delete task history older than DASHBOARD_RETENTION_DAYS (run daily by the scheduler); safe to repeat."""
    history_prune()
