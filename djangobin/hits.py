"""Page views counted in the web process's memory and added to their rows every few seconds: a snippet's
`Snippet.hits` and a profile's `Author.views` (COUNTERS).

A page view must not wait on a database write (on SQLite it would queue behind every other writer), so the web
process counts views in memory and a thread of that same process adds them to the rows, one `UPDATE … = … + n`
per row in one transaction, every `SNIPPET_HITS_FLUSH_SECONDS`. Each process flushes its own counts, so several
gunicorn workers (or several servers) never lose or double one. A clean stop (SIGTERM to gunicorn) flushes what
is left at exit; a crash or SIGKILL loses at most the views of the last interval.

The buffer is on only where `hits_buffer_start` was called (the WSGI application does it): any other process
(a shell, a management command, the test client) writes each view at once.
"""

import atexit
import logging
import os
import threading
from collections import Counter

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F

from djangobin.models import Author, Snippet

logger = logging.getLogger(__name__)

# What is counted: a name for each kind of view, and the model and field its views are added to.
COUNTERS = {"profile": (Author, "views"), "snippet": (Snippet, "hits")}

_lock = threading.Lock()
_counts: Counter = Counter()  # {(counter name, row pk): views not in the row yet}
_interval: float | None = None  # seconds between flushes; None: no buffer in this process
_owner_pid: int | None = None  # the process whose thread flushes `_counts` (a fork starts its own)
_generation = 0  # grows at each start or stop: a flusher thread of an older one ends
_stopped = threading.Event()  # never set: the flusher's sleep


def hits_buffer_start(*, interval: float | None) -> None:
    """Count views in memory from now on, flushed every `interval` seconds by a daemon thread (no thread when
    `interval` is None: the caller flushes with `hits_flush`), and once more when the process exits."""
    global _interval
    with _lock:
        _interval = interval
        _adopt_process()


def hits_buffer_stop() -> None:
    """Flush what is counted and write each later view at once again."""
    global _interval, _owner_pid, _generation
    hits_flush()
    with _lock:
        _interval = _owner_pid = None
        _generation += 1


def hit_record(counter: str, pk: int) -> int:
    """Count one view of row `pk` of `counter` (a name in COUNTERS): in memory when the buffer is on, else with one
    atomic UPDATE.

    Returns the views not in the row yet, this one included: what a page adds to the count it read."""
    model, field = COUNTERS[counter]
    with _lock:
        if _owner_pid is not None:
            if _owner_pid != os.getpid():
                _adopt_process()
            _counts[counter, pk] += 1
            return _counts[counter, pk]
    model.objects.filter(pk=pk).update(**{field: F(field) + 1})
    return 1


def hits_unflushed(counter: str, pks) -> dict[int, int]:
    """{pk: views counted in this process and not in the row yet} for the rows `pks` of `counter` that have any.

    What a page adds to the counts it read, so that every page of one process shows a row's views alike."""
    with _lock:
        if _owner_pid != os.getpid() or not _counts:
            return {}
        return {pk: _counts[counter, pk] for pk in pks if (counter, pk) in _counts}


def hits_flush() -> int:
    """Add the counted views to their rows in one transaction, one UPDATE per row; return how many views were written.

    On a database error the counts go back into the buffer, for the next flush."""
    with _lock:
        if _owner_pid != os.getpid() or not _counts:
            return 0
        taken = dict(_counts)
        _counts.clear()
    try:
        with transaction.atomic():
            for (counter, pk), views in sorted(taken.items()):  # one lock order for every flusher
                model, field = COUNTERS[counter]
                model.objects.filter(pk=pk).update(**{field: F(field) + views})
    except DatabaseError:
        with _lock:
            _counts.update(taken)
        raise
    return sum(taken.values())


def _adopt_process():
    """Make this process the buffer's owner: counts inherited through a fork belong to the parent, who flushes
    them, so they are dropped here; the flusher thread and the exit flush are this process's own."""
    global _owner_pid, _generation
    _counts.clear()
    _owner_pid = os.getpid()
    _generation += 1
    atexit.register(_flush_at_exit, _owner_pid)
    if _interval is not None:
        args = (_interval, _generation)
        threading.Thread(target=_flush_forever, args=args, name="hits-flusher", daemon=True).start()


def _flush_forever(interval, generation):
    try:
        while not _stopped.wait(interval):
            if _generation != generation:
                return  # the buffer was stopped, or restarted with a thread of its own
            close_old_connections()  # the thread's own connection, checked like a request's
            try:
                hits_flush()
            except DatabaseError:
                logger.exception("Could not write page views; they stay counted for the next flush.")
    finally:
        connection.close()


def _flush_at_exit(pid):
    if pid != os.getpid():
        return
    try:
        hits_flush()
    except DatabaseError:
        logger.exception("Could not write page views at exit.")
    finally:
        connection.close()
