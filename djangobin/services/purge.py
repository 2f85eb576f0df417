"""The purge of expired snippets: the engine behind the sweep every few minutes (`remove_expired_snippets`) and the
nightly `remove_snippets` (the counterpart of taskhistory/prune.py). Short delete transactions sized by time, in id
order, with SQL per database vendor.

Nothing else deletes snippets in bulk; a single snippet goes through services.snippets.snippet_delete.
"""

import logging
import time
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from djangobin.models import Snippet, SnippetRender, SnippetRevision

logger = logging.getLogger(__name__)


# The purge sizes its delete transactions by time, not by a fixed count: each batch aims at PURGE_BATCH_SECONDS
# from BEGIN to COMMIT, resized after every batch in proportion to how long it took (at most doubling), between 10
# and PURGE_MOST_ROWS rows. On SQLite a batch holds the site's only write lock, so it aims well under what a page's
# write can wait, leaving room for a merge of the search index inside its COMMIT or a stall of the machine;
# PostgreSQL's row locks block no page view, and fewer, larger commits cost less there. See "Expiry purge" in
# docs/benchmarks.md.
PURGE_BATCH_SECONDS = {"sqlite": 0.05, "postgresql": 0.25}
PURGE_MOST_ROWS = 10_000
PURGE_FIRST_BATCH = 500


def snippets_expired_delete(*, now=None, batch_size=None):
    """Delete every snippet past its `expires_at`, in batches; returns how many were deleted.

    The expired ids are first copied off the `expires_at` index into a temporary table of this connection, then
    deleted in id order, a batch of the next ids at a time: the rows of one batch share table and index pages, and
    each page is written once over the whole purge, as in one big DELETE (batches cut from the `expires_at` order
    scatter over the table and rewrite the same pages batch after batch: docs/benchmarks.md, "Expiry purge").
    Memory holds one batch of ids. Batches are short transactions sized by time (see PURGE_BATCH_SECONDS), so the
    site's writes wait for one batch at most; `batch_size` fixes their size instead. Running it twice deletes
    nothing twice. When nothing has expired it costs one query on the `expires_at` index, which is what the
    sweep every few minutes finds most of the time.
    """
    now = now or timezone.now()
    if not Snippet.objects.expired(now).exists():
        return 0
    batch = _BatchSize(PURGE_BATCH_SECONDS.get(connection.vendor, 0.05), PURGE_MOST_ROWS, fixed=batch_size)
    deleted, after = 0, 0
    with _expired_ids(now) as next_ids, _checkpoints_between_batches():
        while ids := next_ids(after, batch.rows):
            after = ids[-1]
            started = time.perf_counter()
            deleted += _snippets_delete_by_ids(ids)
            batch.took(time.perf_counter() - started, len(ids))
            _checkpoint()
    if deleted:
        logger.info("Deleted %d expired snippets.", deleted)
    return deleted


@contextmanager
def _expired_ids(now):
    """Copy the ids of the snippets expired at `now` into a temporary table; yields `next_ids(after, count)`, the
    first `count` of them above `after`, in id order.

    The table belongs to this connection alone (two purges cannot mix) and lives in SQLite's temporary database,
    so filling it takes no write lock on the site's tables."""
    table, id_type = _PURGE_IDS_TABLE[connection.vendor]
    expired, params = Snippet.objects.filter(expires_at__lte=now).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (id {id_type} PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {table} (id) {expired}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")  # the planner then reads it by its primary key, not by a sort

    def next_ids(after, count):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id > %s ORDER BY id LIMIT %s", [after, count])  # noqa: S608
            return [pk for (pk,) in cursor.fetchall()]

    try:
        yield next_ids
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


# On SQLite an INTEGER PRIMARY KEY is the rowid itself: the table is one b-tree.
_PURGE_IDS_TABLE = {
    "sqlite": ("temp.djangobin_purge_ids", "integer"),
    "postgresql": ("pg_temp.djangobin_purge_ids", "bigint"),
}


def _snippets_delete_by_ids(ids):
    """Delete these snippets, their tag links, renders and revisions in one transaction of four statements, after
    unlinking their forks (`forked_from` is SET_NULL); returns the snippets deleted.

    Not `QuerySet.delete()`: Django's collector first SELECTs the ids it was given and builds an instance per row,
    work the purge need not do (docs/benchmarks.md, "Expiry purge"). Tag links, renders, revisions and forks are
    the only things that refer to a snippet (tests/djangobin/test_purge.py fails if that changes), and no signal
    listens to snippet deletes, so one UPDATE and four plain DELETEs do everything the collector would.
    """
    member, params = _one_of(ids)
    snippets = _SNIPPET_TABLES[-1][0]
    forked_from = connection.ops.quote_name(Snippet._meta.get_field("forked_from").column)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {snippets} SET {forked_from} = NULL WHERE {forked_from} {member}", params)  # noqa: S608
        for table, column in _SNIPPET_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE {column} {member}", params)  # noqa: S608 (no user input)
        return cursor.rowcount


def _one_of(ids):
    """SQL and parameters for "the column is one of `ids`" (consecutive ids of the purge's temporary table).

    On SQLite, the range of them in that table: the same four short statements every batch, which its statement
    cache keeps compiled, where an `IN (...)` list of each batch's length was a statement to compile every time
    (and to cache: tens of MB). PostgreSQL gets them as one array parameter: planned on its statistics, a subquery
    on the temporary table got scans of the whole table and hash joins."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    table, _ = _PURGE_IDS_TABLE["sqlite"]
    return f"IN (SELECT id FROM {table} WHERE id BETWEEN %s AND %s)", [ids[0], ids[-1]]  # noqa: S608


# Referring rows first: the snippet's row goes last, and its count is what the purge reports.
_SNIPPET_TABLES = [
    (connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(column))
    for model, column in (
        (Snippet.tags.through, "snippet_id"),
        (SnippetRender, "snippet_id"),
        (SnippetRevision, "snippet_id"),
        (Snippet, "id"),
    )
]


class _BatchSize:
    """Rows for the next delete transaction: the rows the last batch deleted per second times the target time, at
    most twice the last size, so one quick batch cannot make the next one huge; a slow batch shrinks the next at
    once. A short batch (the last one) that ran in time says little about the rate and changes nothing."""

    def __init__(self, seconds, most, fixed=None):
        self.seconds, self.most, self.fixed = seconds, most, fixed
        self.rows = fixed or PURGE_FIRST_BATCH

    def took(self, seconds, rows):
        if self.fixed or (rows < self.rows and seconds <= self.seconds):
            return
        wanted = int(rows * self.seconds / max(seconds, 1e-6))
        self.rows = max(10, min(self.most, 2 * self.rows, wanted))


@contextmanager
def _checkpoints_between_batches():
    """On SQLite, copy the write-ahead log into the database after each batch, never inside a COMMIT.

    SQLite checkpoints when a COMMIT takes the log past 1000 pages, inside that COMMIT call: the purge's own
    (a batch writes hundreds to thousands of pages) or, worse, a visitor's. Here the purge's connection
    checkpoints after every batch instead (PASSIVE: holding no lock, so the site's writes go on meanwhile), so no
    COMMIT of the site finds more than one batch in the log. Checkpointing only every few thousand rows was tried
    and measured: the purge ran no faster, and a visitor's COMMIT that crossed the 1000 pages then waited while it
    copied the whole log.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (pages,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def _checkpoint():
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
