"""Task history maintenance and dashboard bulk operations."""

import dramatiq

from taskhistory.bulk import bulk_operation_apply
from taskhistory.prune import history_prune


@dramatiq.actor(queue_name="maintenance", max_retries=3, min_backoff=60_000, max_backoff=600_000, time_limit=1_200_000)
def prune_task_history():
    """Delete task history older than TASKHISTORY_RETENTION_DAYS (run daily by the scheduler); safe to repeat."""
    history_prune()


@dramatiq.actor(queue_name="maintenance", max_retries=3, min_backoff=10_000, max_backoff=300_000, time_limit=1_200_000)
def apply_bulk_operation(operation_id: int) -> None:
    """Retry, cancel or dismiss the tasks of a dashboard bulk operation; safe to repeat."""
    bulk_operation_apply(operation_id=operation_id)
