import logging
import secrets
import string
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from djangobin.expiration import expires_at_for
from djangobin.fragments import recent_snippets_forget
from djangobin.hits import hit_record
from djangobin.models import Exposure, Snippet, SnippetRender
from djangobin.services.renders import snippet_render_create
from djangobin.services.tags import tags_get_or_create

logger = logging.getLogger(__name__)

SLUG_ALPHABET = string.ascii_letters + string.digits
SLUG_LENGTH = 10


def slug_generate():
    """A random, URL-safe, unguessable slug (62**10 possibilities)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def snippet_create(
    *,
    code,
    language,
    expiration,
    exposure,
    title="",
    tags=(),
    user=None,
    poster="",
    burn_after_reading=False,
    forked_from=None,
    detect_language=False,
):
    """Create a snippet and queue its highlighting (the `highlight_snippet` actor): the request never runs Pygments,
    and the page shows the code plain until the worker has stored its render.

    With `detect_language`, `language` is provisional: the worker guesses the language before it highlights.
    `forked_from` is the snippet this one was started from (see `snippet_fork_source_get`)."""
    if user is None and exposure == Exposure.PRIVATE:
        raise ValidationError("Log in to create private snippets.")
    if len(code.encode()) > settings.SNIPPET_MAX_BYTES:
        raise ValidationError(f"Snippets are limited to {settings.SNIPPET_MAX_BYTES // 1024} KiB.")
    created_on = timezone.now()
    snippet = Snippet(
        title=title.strip(),
        original_code=code,
        language=language,
        expiration=expiration,
        exposure=exposure,
        user=user,
        created_on=created_on,
        expires_at=expires_at_for(expiration, created_on),
        poster=poster.strip(),
        burn_after_reading=burn_after_reading,
        forked_from=forked_from,
    )
    with transaction.atomic():
        for _ in range(5):
            snippet.slug = slug_generate()
            try:
                with transaction.atomic():
                    snippet.save()
                break
            except IntegrityError:
                if not Snippet.objects.filter(slug=snippet.slug).exists():
                    raise
        else:
            raise IntegrityError("could not find a free snippet slug")
        snippet.tags.set(tags_get_or_create(tags))
        snippet_render_create(snippet=snippet, detect_language=detect_language)
        recent_snippets_forget()
    return snippet


def snippet_hit(*, snippet_id: int) -> int:
    """Count a view: in the web process's buffer, flushed every few seconds (djangobin/hits.py), elsewhere with
    one atomic UPDATE; concurrent views all count either way, and nothing else is rewritten.

    Returns the views not yet in the row, this one included, for the page to add to the count it read."""
    return hit_record("snippet", snippet_id)


def snippet_delete(*, snippet, user):
    if not snippet.is_owned_by(user):
        raise PermissionDenied("Only the owner may delete a snippet.")
    snippet.delete()
    recent_snippets_forget()


# The purge sizes its delete transactions by time, not by a fixed count: each batch aims at PURGE_BATCH_SECONDS
# from BEGIN to COMMIT, growing while batches run quicker and shrinking at once when one runs slower (a busy disk,
# a shared machine), between 10 rows and the chunk. Ids are read from the `expires_at` index a chunk at a time
# and deleted in id order, so that a batch touches neighbouring table pages rather than ones scattered across the
# file. On SQLite a batch holds the site's only write lock, so it stays well under 100 ms; PostgreSQL's row locks
# block no page view, and fewer, larger commits cost less there. See "Expiry purge" in docs/benchmarks.md.
# SQLite's batches stop at 1,000 rows: with 3,000 and a million snippets, one batch took 132 ms.
PURGE_BATCH_SECONDS = {"sqlite": 0.025, "postgresql": 0.1}
PURGE_CHUNK_ROWS = {"sqlite": 1000, "postgresql": 10000}
PURGE_FIRST_BATCH = 100


def snippets_expired_delete(*, now=None, batch_size=None):
    """Delete every snippet past its `expires_at`, in batches; returns how many were deleted.

    Ids come off the `expires_at` index a chunk at a time (keyset pagination on expires_at, pk), so finding the
    next chunk never rescans the table, and memory holds one chunk of ids. Each chunk is deleted in short
    transactions sized by time (see PURGE_BATCH_SECONDS), so the site's writes wait for one batch at most.
    `batch_size` fixes the batch (and chunk) size instead. Running it twice deletes nothing twice.
    """
    now = now or timezone.now()
    chunk_rows = batch_size or PURGE_CHUNK_ROWS.get(connection.vendor, 1000)
    batch = _BatchSize(PURGE_BATCH_SECONDS.get(connection.vendor, 0.025), chunk_rows, fixed=batch_size)
    deleted, after = 0, None
    with _checkpoints_between_batches():
        while True:
            expired = Snippet.objects.filter(expires_at__lte=now)
            if after is not None:
                last_expires_at, last_pk = after
                expired = expired.filter(expires_at__gte=last_expires_at).filter(
                    Q(expires_at__gt=last_expires_at) | Q(pk__gt=last_pk)
                )
            chunk = list(expired.order_by("expires_at", "pk").values_list("pk", "expires_at")[:chunk_rows])
            if not chunk:
                break
            after = chunk[-1][1], chunk[-1][0]
            ids = sorted(pk for pk, _ in chunk)
            while ids:
                part, ids = ids[: batch.rows], ids[batch.rows :]
                started = time.perf_counter()
                deleted += _snippets_delete_by_ids(part)
                batch.took(time.perf_counter() - started)
                _checkpoint()
    if deleted:
        logger.info("Deleted %d expired snippets.", deleted)
    return deleted


def _snippets_delete_by_ids(ids):
    """Delete these snippets, their tag links and their renders in one transaction of three statements, after
    unlinking their forks (`forked_from` is SET_NULL); returns the snippets deleted.

    Not `QuerySet.delete()`: Django's collector first SELECTs the ids it was given and builds an instance per row,
    which cost about a third of the purge. Tag links, renders and forks are the only things that refer to a snippet
    (tests/djangobin/test_purge.py fails if that changes), and no signal listens to snippet deletes, so one UPDATE
    and three plain DELETEs do everything the collector would.
    """
    ids = _padded(ids)
    placeholders = ", ".join(["%s"] * len(ids))
    with transaction.atomic(), connection.cursor() as cursor:
        Snippet.objects.filter(forked_from_id__in=ids).update(forked_from=None)
        for table, column in _SNIPPET_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", ids)  # noqa: S608 (no user input)
        return cursor.rowcount


# Referring rows first: the snippet's row goes last, and its count is what the purge reports.
_SNIPPET_TABLES = [
    (connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(column))
    for model, column in (
        (Snippet.tags.through, "snippet_id"),
        (SnippetRender, "snippet_id"),
        (Snippet, "id"),
    )
]


def _padded(ids):
    """`ids` with its last id repeated up to the next of a few fixed lengths (1, 1.25, 1.6, 2, 2.5, 3.2, 4, 5, 6.4,
    8 times a power of ten), which deletes the same rows.

    Every length of an `IN (...)` list is another statement for the driver to compile and cache: Python's sqlite3
    keeps the last 128, and at a thousand or more ids each that grew the purge's memory by tens of MB. With these
    lengths the purge uses about forty statements at most."""
    length, scale = len(ids), 1
    while True:
        for step in (10, 12.5, 16, 20, 25, 32, 40, 50, 64, 80):
            if step * scale / 10 >= length:
                return ids + ids[-1:] * (int(step * scale / 10) - length)
        scale *= 10


class _BatchSize:
    """Rows for the next delete transaction: grows by a quarter while batches take under 70 % of the target time,
    shrinks in proportion as soon as one takes longer than the target."""

    def __init__(self, seconds, most, fixed=None):
        self.seconds, self.most, self.fixed = seconds, most, fixed
        self.rows = fixed or PURGE_FIRST_BATCH

    def took(self, seconds):
        if self.fixed:
            return
        if seconds > self.seconds:
            self.rows = max(10, int(self.rows * self.seconds / seconds))
        elif seconds < 0.7 * self.seconds:
            self.rows = min(self.most, self.rows + self.rows // 4 + 1)


@contextmanager
def _checkpoints_between_batches():
    """On SQLite, copy the write-ahead log into the database after each batch, never inside a COMMIT.

    SQLite checkpoints when a COMMIT takes the log past 1000 pages, inside that COMMIT call: the purge's own
    (a batch writes hundreds to thousands of pages) or, worse, a visitor's. Here the purge's connection
    checkpoints after every batch instead (PASSIVE: holding no lock, so the site's writes go on meanwhile), so no
    COMMIT of the site finds more than one batch in the log. Checkpointing only every few thousand rows was tried
    and measured: the purge ran no faster, and a visitor's COMMIT that crossed the 1000 pages then copied the whole
    log (a site write waited over 500 ms).
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
