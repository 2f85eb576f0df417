"""A task's statuses and the order they come in, which is what keeps a late write from moving a task backwards."""

from django.db import models


class Status(models.TextChoices):
    DELAYED = "delayed", "Delayed"
    RETRYING = "retrying", "Waiting to retry"
    ENQUEUED = "enqueued", "Enqueued"
    RUNNING = "running", "Running"
    LOST = "lost", "Running when its worker died"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


FINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.SKIPPED, Status.CANCELLED})
# Failed and skipped messages are the ones RabbitMQ dead-letters into `<queue>.XQ`.
RETRYABLE = frozenset({Status.FAILED, Status.SKIPPED})
OPEN = (Status.DELAYED, Status.RETRYING, Status.ENQUEUED, Status.RUNNING, Status.LOST)
# Not started yet: what an operator may still cancel.
WAITING = (Status.DELAYED, Status.RETRYING, Status.ENQUEUED)

# Stages within one attempt; an attempt's events all rank below the next attempt's.
STAGE_WAITING = 1  # delayed, or waiting out a retry backoff in `<queue>.DQ`
STAGE_READY = 2  # on the queue, ready to run
STAGE_RUNNING = 3
STAGE_DONE = 4  # succeeded, failed, skipped, or the attempt raised and a retry was scheduled
STAGE_DEAD_LETTERED = 5


def rank(*, retries, stage):
    """The order of an event: later attempts outrank earlier ones, later stages of an attempt outrank earlier."""
    return retries * 10 + stage


def stage_of(rank_value: int) -> int:
    """The stage a rank encodes (what `rank` adds to the attempt's tens)."""
    return rank_value % 10


def stage_of_sql(column: str) -> str:
    """`stage_of` as SQL: integer division on both SQLite and PostgreSQL, so the stage is what remains."""
    return f"({column} - {column} / 10 * 10)"
