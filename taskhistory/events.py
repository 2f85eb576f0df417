"""Task events: what one middleware hook saw of a message, as the column values the recorder upserts."""

import datetime as dt
import json
import traceback as tb
from dataclasses import dataclass

from dramatiq.common import q_name

from .minutes import epoch_minute
from .statuses import (
    STAGE_DEAD_LETTERED,
    STAGE_DONE,
    STAGE_READY,
    STAGE_RUNNING,
    STAGE_WAITING,
    Status,
    rank,
)

# Kept in their own columns (or meaningless once stored), not in the stored options.
_NOT_STORED = frozenset({"traceback"})
ERROR_MAX_CHARS = 1000


@dataclass
class TaskEvent:
    message_id: str
    actor_name: str
    queue_name: str
    args: list
    kwargs: dict
    options: dict
    status: str
    rank: int
    retries: int
    enqueued_at: dt.datetime
    at: dt.datetime
    queued_at: dt.datetime | None = None
    eta: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    dead_lettered_at: dt.datetime | None = None
    runtime_ms: float | None = None
    worker_host: str = ""
    worker_pid: int | None = None
    last_error: str = ""
    traceback: str = ""
    retry_of: str = ""

    @property
    def minute(self):
        return epoch_minute(self.at)

    @property
    def is_dead_letter(self):
        return self.dead_lettered_at is not None


# How store.py's upsert combines an event with the row of its message:
# LATEST columns come from the higher-ranked event; ATTEMPT columns describe the latest attempt, so an event
# of the same attempt fills in the ones still missing and an event of a newer attempt replaces them all, except
# that EARLIEST_IN_ATTEMPT ones keep the attempt's earliest value (`queued_at`: when the attempt was asked for, its
# first enqueue, not its later move from `<queue>.DQ` to the queue once a backoff ends);
# MESSAGE columns keep the higher-ranked event's value when it has one, else the other's.
LATEST = ("status", "rank", "retries", "options")
ATTEMPT_COLUMNS = ("queued_at", "eta", "started_at", "finished_at", "runtime_ms", "worker_host", "worker_pid")
EARLIEST_IN_ATTEMPT = frozenset({"queued_at"})
MESSAGE_COLUMNS = ("last_error", "traceback", "retry_of")
BLANK_MEANS_MISSING = frozenset({"worker_host", "last_error", "traceback", "retry_of"})


_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def dumps(value):
    return _encode(value) if value else ("[]" if isinstance(value, list) else "{}")


def from_millis(millis):
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def _event(message, *, status, stage, at, retries=None, **columns):
    if retries is None:
        retries = int(message.options.get("retries") or 0)
    return TaskEvent(
        message_id=message.message_id,
        actor_name=message.actor_name,
        queue_name=q_name(message.queue_name),
        # Copies, serialised only when written: middleware further down the chain changes the options.
        args=list(message.args),
        kwargs=dict(message.kwargs),
        options={k: v for k, v in dict(message.options).items() if k not in _NOT_STORED},
        status=status,
        rank=rank(retries=retries, stage=stage),
        retries=retries,
        enqueued_at=from_millis(message.message_timestamp),
        at=at,
        retry_of=str(message.options.get("retry_of") or ""),
        **columns,
    )


def error_summary(text):
    """The last line of a traceback (the exception and its message), cut to a readable length."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:ERROR_MAX_CHARS] if lines else ""


def exception_text(exception):
    return "".join(tb.format_exception(exception, limit=30))


def enqueued(message, delay, *, at, sent_at=None):
    """Sent to its queue, or (with a delay, or a retry's backoff) to `<queue>.DQ` until its eta.

    `sent_at` is when the send began (before the broker confirmed it, by when a worker may have started the
    message); it is the attempt's `queued_at`, the start of its time in queue. A retry is sent twice (to `.DQ` when
    it is scheduled, to the queue when its backoff ends) and the store keeps the first, so the backoff counts."""
    previous_error = message.options.get("traceback") or ""
    errors = {"last_error": error_summary(previous_error), "traceback": previous_error}
    queued_at = sent_at or at
    eta = message.options.get("eta")
    if delay is not None or eta is not None:
        status = Status.RETRYING if message.options.get("retries") else Status.DELAYED
        due = from_millis(eta) if isinstance(eta, int | float) else None
        return _event(message, status=status, stage=STAGE_WAITING, at=at, eta=due, queued_at=queued_at, **errors)
    return _event(message, status=Status.ENQUEUED, stage=STAGE_READY, at=at, queued_at=queued_at, **errors)


def started(message, *, at, host, pid):
    return _event(
        message, status=Status.RUNNING, stage=STAGE_RUNNING, at=at, started_at=at, worker_host=host, worker_pid=pid
    )


def finished(message, *, retries, started_at, at, runtime_ms, exception, host, pid):
    """An attempt ended: succeeded, failed for good, or raised with a retry scheduled (`retrying`).

    `retries` is the count when the attempt started: the Retries middleware has bumped the message's own
    count by now, whether or not it scheduled another attempt.
    """
    columns = {
        "retries": retries,
        "started_at": started_at,
        "finished_at": at,
        "runtime_ms": runtime_ms,
        "worker_host": host,
        "worker_pid": pid,
    }
    if exception is None:
        return _event(message, status=Status.SUCCEEDED, stage=STAGE_DONE, at=at, **columns)
    text = exception_text(exception)
    status = Status.FAILED if message.failed else Status.RETRYING
    return _event(
        message, status=status, stage=STAGE_DONE, at=at, last_error=error_summary(text), traceback=text, **columns
    )


def skipped(message, *, at, host, pid):
    """A middleware refused to run it (an age limit, say); RabbitMQ then dead-letters it."""
    return _event(
        message,
        status=Status.SKIPPED,
        stage=STAGE_DONE,
        at=at,
        finished_at=at,
        worker_host=host,
        worker_pid=pid,
        last_error="Skipped by a middleware before it ran (e.g. older than its age limit).",
    )


def cancelled(message, *, at, host, pid):
    """An operator cancelled it before it ran, and a worker skipped it (acked: it is gone from RabbitMQ)."""
    return _event(
        message,
        status=Status.CANCELLED,
        stage=STAGE_DONE,
        at=at,
        finished_at=at,
        worker_host=host,
        worker_pid=pid,
        last_error="Cancelled by an operator before it ran.",
    )


def dead_lettered(message, *, at):
    """Rejected into `<queue>.XQ`. A failed or skipped task keeps its status; anything else becomes failed."""
    exception = getattr(message, "_exception", None)
    text = exception_text(exception) if isinstance(exception, BaseException) else ""
    return _event(
        message,
        status=Status.FAILED,
        stage=STAGE_DEAD_LETTERED,
        at=at,
        dead_lettered_at=at,
        last_error=error_summary(text),
        traceback=text,
    )
