"""The recorder's writes: task events as conditional upserts, finished attempts as per-minute counts.

One `INSERT … ON CONFLICT … DO UPDATE` row per event (SQLite ≥ 3.24 and PostgreSQL both have it): the first event
of a message inserts its row; after that the status, retries and options come from the highest-ranked event
seen, and a lower-ranked event that lands late only fills in what is still missing (see events.py for the
column rules), so an "enqueued" written after "succeeded" never moves the task back. A batch is written in
one transaction, many rows per statement.
"""

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import connection, transaction

from .events import ATTEMPT_COLUMNS, BLANK_MEANS_MISSING, EARLIEST_IN_ATTEMPT, LATEST, MESSAGE_COLUMNS, dumps
from .models import RUNTIME_BUCKETS
from .statuses import STAGE_DONE, STAGE_READY, Status, stage_of, stage_of_sql

_TASK_COLUMNS = (
    "message_id",
    "actor_name",
    "queue_name",
    "args",
    "kwargs",
    "options",
    "status",
    "rank",
    "retries",
    "enqueued_at",
    "queued_at",
    "eta",
    "started_at",
    "finished_at",
    "dead_lettered_at",
    "runtime_ms",
    "worker_host",
    "worker_pid",
    "last_error",
    "traceback",
    "retry_of",
    "retried_as",
    "updated_at",
)
# 200 rows x 23 columns stays far below SQLite's and PostgreSQL's limits on parameters per statement.
ROWS_PER_STATEMENT = 200
_JSON = {"args", "kwargs", "options"}
_DATETIMES = {"enqueued_at", "queued_at", "eta", "started_at", "finished_at", "dead_lettered_at", "updated_at"}


# A dead-lettered message that is sent again under its own id (`manage.py retrymail`) starts a new life: its
# enqueue happened after the dead-lettering, which no late write of its first life can claim.
_REVIVED = (
    "(taskhistory_task.dead_lettered_at IS NOT NULL AND excluded.dead_lettered_at IS NULL "
    "AND excluded.updated_at > taskhistory_task.dead_lettered_at "
    f"AND {stage_of_sql('excluded.rank')} <= {STAGE_READY})"
)
_RANKED_HIGHER = "excluded.rank >= taskhistory_task.rank"
_NEWER = f"({_REVIVED} OR {_RANKED_HIGHER})"


def _latest(column):
    """The value of the higher-ranked event (ties go to the one written last)."""
    return f"{column} = CASE WHEN {_NEWER} THEN excluded.{column} ELSE taskhistory_task.{column} END"


def _value(side, column):
    value = f"{side}.{column}"
    return f"NULLIF({value}, '')" if column in BLANK_MEANS_MISSING else value


def _message_column(column):
    """The higher-ranked event's value when it has one, else the other's."""
    new, old = _value("excluded", column), _value("taskhistory_task", column)
    return (
        f"{column} = CASE WHEN {_NEWER} THEN COALESCE({new}, taskhistory_task.{column}) "
        f"ELSE COALESCE({old}, excluded.{column}) END"
    )


def _earliest(column):
    """The earlier of the two values, either when the other is missing (datetimes compare in order on both
    databases: SQLite keeps them as ISO text of one format)."""
    new, old = f"excluded.{column}", f"taskhistory_task.{column}"
    return f"CASE WHEN {old} IS NULL OR ({new} IS NOT NULL AND {new} < {old}) THEN {new} ELSE {old} END"


def _attempt_column(column):
    """Within one attempt, like a message column (or the earliest value, for EARLIEST_IN_ATTEMPT); an event of a
    newer attempt replaces it, an older one cannot."""
    same_attempt = _earliest(column) if column in EARLIEST_IN_ATTEMPT else _message_column(column).split(" = ", 1)[1]
    return (
        f"{column} = CASE WHEN {_REVIVED} THEN excluded.{column} "
        f"WHEN excluded.retries = taskhistory_task.retries THEN {same_attempt} "
        f"WHEN {_NEWER} THEN excluded.{column} ELSE taskhistory_task.{column} END"
    )


_LAST_WRITE = (
    "updated_at = CASE WHEN excluded.updated_at > taskhistory_task.updated_at "
    "THEN excluded.updated_at ELSE taskhistory_task.updated_at END"
)


@dataclass(frozen=True)
class _Statement:
    """An `INSERT … ON CONFLICT …` of any number of rows into `table`, every value a parameter.

    On SQLite the rows go in as `VALUES (…), (…)`. On PostgreSQL they go in as one JSON parameter that
    `json_populate_recordset` turns into rows of the table's own type: psycopg binds each parameter in Python and
    re-parses any statement too long for its cache, which made the VALUES form most of a busy worker's history CPU.
    """

    table: str
    columns: tuple
    tail: str

    @property
    def head(self):
        return f"INSERT INTO {self.table} ({', '.join(self.columns)})"

    def sql(self, rows):
        row = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        return f"{self.head} VALUES {', '.join([row] * rows)} {self.tail}"

    @cached_property
    def json_sql(self):
        columns = ", ".join(self.columns)
        source = f"json_populate_recordset(NULL::{self.table}, %s)"
        return f"{self.head} SELECT {columns} FROM {source} {self.tail}"  # noqa: S608 (constant names only)


def _insert(set_clause):
    # Only this module's constant column names are interpolated; values always go in as parameters.
    return _Statement(
        table="taskhistory_task",
        columns=_TASK_COLUMNS,
        tail=f"ON CONFLICT (message_id) DO UPDATE SET {', '.join(set_clause)}",
    )


_UPSERT = _insert(
    [
        *map(_latest, LATEST),
        *map(_attempt_column, ATTEMPT_COLUMNS),
        *map(_message_column, MESSAGE_COLUMNS),
        f"dead_lettered_at = CASE WHEN {_REVIVED} THEN NULL ELSE taskhistory_task.dead_lettered_at END",
        _LAST_WRITE,
    ]
)

# A rejection into the dead-letter queue adds its time; a failed or skipped task keeps its status.
_DEAD_LETTER = _insert(
    [
        "dead_lettered_at = COALESCE(taskhistory_task.dead_lettered_at, excluded.dead_lettered_at)",
        "status = CASE WHEN taskhistory_task.status IN ('failed', 'skipped') THEN taskhistory_task.status "
        f"WHEN {_RANKED_HIGHER} THEN excluded.status ELSE taskhistory_task.status END",
        _latest("rank"),
        *map(_message_column, ("last_error", "traceback")),
        _LAST_WRITE,
    ]
)

_STAT_COUNTS = ("succeeded", "failed", "retried", "skipped", "runtime_sum_ms", *(name for _, name in RUNTIME_BUCKETS))
_ADD_COUNTS = ", ".join(f"{name} = {{table}}.{name} + excluded.{name}" for name in _STAT_COUNTS)
_STAT_INSERT = _Statement(
    table="taskhistory_taskstat",
    columns=("minute", "actor_name", "queue_name", *_STAT_COUNTS),
    tail="ON CONFLICT (minute, actor_name, queue_name) DO UPDATE SET "
    + _ADD_COUNTS.format(table="taskhistory_taskstat"),
)
_COUNTER_INSERT = _Statement(
    table="taskhistory_taskcounter",
    columns=("actor_name", "queue_name", *_STAT_COUNTS),
    tail="ON CONFLICT (actor_name, queue_name) DO UPDATE SET " + _ADD_COUNTS.format(table="taskhistory_taskcounter"),
)
_ATTEMPT_COLUMNS = (
    "message_id",
    "attempt",
    "status",
    "started_at",
    "finished_at",
    "runtime_ms",
    "worker_host",
    "worker_pid",
    "error",
    "traceback",
)
_ATTEMPT_INSERT = _Statement(
    table="taskhistory_taskattempt",
    columns=_ATTEMPT_COLUMNS,
    tail="ON CONFLICT (message_id, attempt) DO NOTHING",
)
_OUTCOME_COLUMN = {
    Status.SUCCEEDED: "succeeded",
    Status.FAILED: "failed",
    Status.RETRYING: "retried",
    Status.SKIPPED: "skipped",
}


def _datetime_adapter():
    """The backend's own conversion, with a fast path for the UTC datetimes events carry on SQLite."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite":
        return adapt
    return lambda value: value.replace(tzinfo=None).isoformat(" ") if value.tzinfo is dt.UTC else adapt(value)


def _converter(column, adapt):
    """How an event gives its value for `column` of the task row."""
    if column == "updated_at":
        return lambda event: adapt(event.at)
    if column in _JSON:
        return lambda event: dumps(getattr(event, column))
    if column in _DATETIMES:
        return lambda event: None if (value := getattr(event, column)) is None else adapt(value)
    return lambda event: getattr(event, column, "")  # retried_as: never set by an event


def _row_builder(adapt):
    """A function turning an event into its task row (each column's conversion chosen once per batch)."""
    converters = [_converter(column, adapt) for column in _TASK_COLUMNS]
    return lambda event: [convert(event) for convert in converters]


def _bucket(runtime_ms):
    seconds = runtime_ms / 1000
    for limit, name in RUNTIME_BUCKETS:
        if seconds <= limit:
            return name
    return None


def _stat_sums(events):
    """Finished attempts summed per (minute, actor, queue)."""
    sums = defaultdict(lambda: dict.fromkeys(_STAT_COUNTS, 0))
    for event in events:
        column = _OUTCOME_COLUMN.get(event.status)
        if column is None or event.is_dead_letter or stage_of(event.rank) != STAGE_DONE:
            continue
        counts = sums[(event.minute, event.actor_name, event.queue_name)]
        counts[column] += 1
        if event.runtime_ms is not None:
            counts["runtime_sum_ms"] += event.runtime_ms
            bucket = _bucket(event.runtime_ms)
            if bucket:
                counts[bucket] += 1
    return sums


def _counter_rows(sums):
    """The per-minute sums folded into one row per (actor, queue)."""
    totals = defaultdict(lambda: dict.fromkeys(_STAT_COUNTS, 0))
    for (_, actor, queue), counts in sums.items():
        total = totals[(actor, queue)]
        for name, value in counts.items():
            total[name] += value
    return [[actor, queue, *counts.values()] for (actor, queue), counts in totals.items()]


def _attempt_rows(events, adapt):
    """One row per finished attempt (its "finished" event), before the batch's events are merged."""
    rows = []
    for event in events:
        if stage_of(event.rank) != STAGE_DONE or event.is_dead_letter or event.finished_at is None:
            continue
        started = adapt(event.started_at) if event.started_at is not None else None
        error = event.last_error if event.status != Status.SUCCEEDED else ""
        rows.append(
            [
                event.message_id,
                event.retries,
                event.status,
                started,
                adapt(event.finished_at),
                event.runtime_ms,
                event.worker_host,
                event.worker_pid,
                error,
                event.traceback if error else "",
            ]
        )
    return rows


def _waves(events):
    """The events split into statements that touch each message's row at most once (PostgreSQL refuses a second
    touch in one statement), a message's events in the order they were recorded; its dead-letter events last.

    Every event goes to the database as it is: the upsert is the one place where events of a message are merged.
    """
    waves, dead_letters, seen = [], {}, {}
    for event in events:
        if event.is_dead_letter:
            dead_letters[event.message_id] = event  # a message's dead-letter event is its last in one process
            continue
        wave = seen[event.message_id] = seen.get(event.message_id, -1) + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append(event)
    return waves, list(dead_letters.values())


_json_rows = json.JSONEncoder(ensure_ascii=False, default=dt.datetime.isoformat).encode


def _statements(statement, rows):
    """Many rows per statement: one call into the database per chunk (all rows at once on PostgreSQL), not per row.

    In a worker process this matters more than the SQL: a driver releases the GIL around every statement, and
    each release hands the GIL back and forth with the worker threads (Python's convoy effect).
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        yield statement.json_sql, [_json_rows([dict(zip(statement.columns, row, strict=True)) for row in rows])]
        return
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        yield statement.sql(len(chunk)), [value for row in chunk for value in row]


def events_write(events):
    """Write a batch of task events and count the finished attempts among them (per minute, and in the
    never-pruned counters), in one transaction.

    Every statement and its parameters are built before the transaction begins: on SQLite it holds the database's
    one write lock, which the worker threads' own writes wait for.
    """
    if not events:
        return
    adapt = _datetime_adapter()
    task_row = _row_builder(adapt)
    sums = _stat_sums(events)
    waves, dead_letters = _waves(events)
    statements = [
        *(sql for wave in waves for sql in _statements(_UPSERT, [task_row(event) for event in wave])),
        *_statements(_DEAD_LETTER, [task_row(event) for event in dead_letters]),
        *_statements(_STAT_INSERT, [[*key, *counts.values()] for key, counts in sums.items()]),
        *_statements(_COUNTER_INSERT, _counter_rows(sums)),
        *_statements(_ATTEMPT_INSERT, _attempt_rows(events, adapt)),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
