"""The phases `bench/expiry.py` runs in fresh processes: building the data, and timing one purge."""

import datetime
import hashlib
import importlib
import os
import random
import resource
import threading
import time

TUTORIAL_DAYS = {"1 week": 7, "1 month": 30, "6 months": 30 * 6, "1 year": 30 * 12}
TAG_POOL = 500
CHUNK = 10_000


# --- the three purges ----------------------------------------------------------------------------------


def tutorial_remove_snippets():
    """The tutorial's `remove_snippets`, line for line; `Pref.SNIPPET_EXPIRE_*` are our `Expiration` values."""
    from djangobin.expiration import Expiration
    from djangobin.models import Snippet

    # loop through all the snippets whose expiration is other than never.
    for s in Snippet.objects.exclude(expiration="never").order_by("id"):
        # get the creation time
        creation_time = s.created_on

        if s.expiration == Expiration.WEEK:
            tmdelta = datetime.timedelta(days=7)
        elif s.expiration == Expiration.MONTH:
            tmdelta = datetime.timedelta(days=30)
        elif s.expiration == Expiration.SIX_MONTHS:
            tmdelta = datetime.timedelta(days=30 * 6)
        elif s.expiration == Expiration.YEAR:
            tmdelta = datetime.timedelta(days=30 * 12)

        # deletion_time is datetime.datetime
        deletion_time = creation_time + tmdelta

        # now is datetime.datetime (the tutorial's pytz.utc)
        now = datetime.datetime.now(datetime.UTC)

        # diff is datetime.timedelta
        diff = deletion_time - now

        if diff.days == 0 or diff.days < 0:
            # it's time to delete the snippet
            s.delete()


def ours_remove_snippets():
    from actors.snippets import remove_snippets

    remove_snippets.fn()


def one_statement_delete():
    """The floor, not a usable purge: every expired row in three DELETEs (tag links, renders, snippets) and one
    transaction, which blocks the site's writes for all of it. It shows how much of the time is the database's own
    work on the rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from djangobin.models import Snippet, SnippetRender

    snippets, links = Snippet._meta.db_table, Snippet.tags.through._meta.db_table
    renders = SnippetRender._meta.db_table
    expired = f"SELECT id FROM {snippets} WHERE expires_at <= %s"  # noqa: S608 (table names from the models)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {links} WHERE snippet_id IN ({expired})", [now])  # noqa: S608
        cursor.execute(f"DELETE FROM {renders} WHERE snippet_id IN ({expired})", [now])  # noqa: S608
        cursor.execute(f"DELETE FROM {snippets} WHERE id IN ({expired})", [now])  # noqa: S608


IMPLEMENTATIONS = {"tutorial": tutorial_remove_snippets, "ours": ours_remove_snippets, "floor": one_statement_delete}
PRELOAD = {"tutorial": "djangobin.models", "ours": "actors.snippets", "floor": "djangobin.models"}


# --- building the data -----------------------------------------------------------------------------------


def _sample_code(max_lines):
    """Twenty pastes of 2 to `max_lines` + 1 lines (100 B - 1 KB of code at 20), with the HTML the
    `highlight_snippet` actor stores for them (in its own table)."""
    from djangobin.highlight import highlight_html

    rng = random.Random(7)
    words = ["value", "count", "items", "result", "total", "name", "index", "data", "user", "path"]
    samples = []
    for n in range(20):
        lines = []
        for i in range(1 + n % max_lines):
            a, b = rng.choice(words), rng.choice(words)
            lines.append(f"    {a}_{i} = compute({b!r}, {rng.randint(0, 999)})  # step {i}")
        code = f"def function_{n}(arg):\n" + "\n".join(lines) + "\n    return arg\n"
        samples.append((code, highlight_html(code, "python")))
    return samples


def _plan(rows, now, rng):
    """(created_on, expiration) per snippet in creation order, so that ids grow with created_on as on a real site."""
    from djangobin.expiration import Expiration

    day = datetime.timedelta(days=1)
    expiring = [Expiration.WEEK, Expiration.MONTH, Expiration.SIX_MONTHS, Expiration.YEAR]
    plan = []
    for _ in range(rows):
        kind = rng.random()
        if kind < 0.25:  # expired: by both rules at least 4 days ago
            expiration = rng.choice(expiring)
            created_on = now - TUTORIAL_DAYS[expiration] * day - rng.uniform(10, 40) * day
        elif kind < 0.75:  # live: by both rules at least 3 days ahead
            expiration = rng.choice(expiring)
            created_on = now - rng.uniform(0, TUTORIAL_DAYS[expiration] - 5) * day
        else:
            expiration = Expiration.NEVER
            created_on = now - rng.uniform(0, 400) * day
        plan.append((created_on, expiration))
    plan.sort(key=lambda row: row[0])
    return plan


def build(rows, max_lines, seed=1):
    """Fill the (migrated) database; returns what should remain after a purge."""
    from django.db import connection, transaction

    from djangobin.expiration import expires_at_for
    from djangobin.models import Language, Snippet, SnippetRender, Tag

    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC)
    languages = list(Language.objects.values_list("pk", flat=True))
    Tag.objects.bulk_create(Tag(name=f"tag-{i}", slug=f"tag-{i}") for i in range(TAG_POOL))
    tags = list(Tag.objects.values_list("pk", flat=True))
    samples = _sample_code(max_lines)
    plan = _plan(rows, now, rng)
    Link = Snippet.tags.through
    kept, links_kept, links_total = [], 0, 0
    for start in range(0, rows, CHUNK):
        snippets, renders, links = [], [], []
        for pk, (created_on, expiration) in enumerate(plan[start : start + CHUNK], start=start + 1):
            code, highlighted = samples[pk % len(samples)]
            expires_at = expires_at_for(expiration, created_on)
            snippets.append(
                Snippet(
                    pk=pk,
                    title=f"Snippet {pk}",
                    original_code=code,
                    expiration=expiration,
                    exposure=rng.choice(["public", "unlisted", "private"]),
                    slug=f"b{pk:09d}",
                    created_on=created_on,
                    expires_at=expires_at,
                    language_id=rng.choice(languages),
                )
            )
            renders.append(SnippetRender(snippet_id=pk, state="highlighted", html=highlighted, rendered_on=created_on))
            tag_ids = rng.sample(tags, rng.randint(0, 3))
            links.extend(Link(snippet_id=pk, tag_id=tag_id) for tag_id in tag_ids)
            links_total += len(tag_ids)
            if expires_at is None or expires_at > now:
                kept.append(pk)
                links_kept += len(tag_ids)
        with transaction.atomic():
            Snippet.objects.bulk_create(snippets, batch_size=2000)
            SnippetRender.objects.bulk_create(renders, batch_size=2000)
            Link.objects.bulk_create(links, batch_size=5000)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            # A live table has the statistics autovacuum gathers; without them PostgreSQL plans a lookup of a few
            # thousand ids as a scan of the whole table.
            cursor.execute("ANALYZE")
    return {
        "rows": rows,
        "links_total": links_total,
        "kept": len(kept),
        "kept_digest": _digest(kept),
        "links_kept": links_kept,
        "renders_kept": len(kept),
        "bytes_per_row": sum(len(code) for code, _ in samples) // len(samples),
        "render_bytes_per_row": sum(len(html) for _, html in samples) // len(samples),
    }


def _digest(ids):
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]


def remaining():
    from djangobin.models import Snippet, SnippetRender

    ids = list(Snippet.objects.values_list("pk", flat=True))
    return {
        "kept": len(ids),
        "kept_digest": _digest(ids),
        "links_kept": Snippet.tags.through.objects.count(),
        "renders_kept": SnippetRender.objects.count(),
    }


# --- measuring -------------------------------------------------------------------------------------------


def _rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssSampler(threading.Thread):
    def __init__(self, interval=0.02):
        super().__init__(daemon=True)
        self.interval, self.samples, self.done = interval, [], threading.Event()

    def run(self):
        started = time.perf_counter()
        while not self.done.is_set():
            self.samples.append((time.perf_counter() - started, _rss_bytes()))
            self.done.wait(self.interval)


class WriteProbe(threading.Thread):
    """Counts a hit on a never-expiring snippet every 20 ms, as page views do, and keeps how long each waited:
    on SQLite a write waits while the purge holds the write lock, so the longest wait is what a visitor feels."""

    def __init__(self, snippet_id, interval=0.02):
        super().__init__(daemon=True)
        self.snippet_id, self.interval, self.waits, self.done = snippet_id, interval, [], threading.Event()

    def run(self):
        from django.db import connection

        from djangobin.services.snippets import snippet_hit

        try:
            while not self.done.is_set():
                started = time.perf_counter()
                snippet_hit(snippet_id=self.snippet_id)
                self.waits.append(time.perf_counter() - started)
                self.done.wait(self.interval)
        finally:
            connection.close()


def timed_transactions():
    """Time every outermost atomic block, BEGIN to COMMIT; returns the list the durations go into."""
    from django.db import transaction

    durations = []
    enter, exit_ = transaction.Atomic.__enter__, transaction.Atomic.__exit__

    def timed_enter(self):
        self._bench_outer = not transaction.get_connection(self.using).in_atomic_block
        self._bench_started = time.perf_counter()
        return enter(self)

    def timed_exit(self, *exc):
        try:
            return exit_(self, *exc)
        finally:
            if self._bench_outer:
                durations.append(time.perf_counter() - self._bench_started)

    transaction.Atomic.__enter__, transaction.Atomic.__exit__ = timed_enter, timed_exit
    return durations


def measure(name):
    import django
    from django.db import connection

    django.setup()
    connection.ensure_connection()
    from djangobin.models import Snippet

    importlib.import_module(PRELOAD[name])
    probe = WriteProbe(Snippet.objects.filter(expires_at__isnull=True).values_list("pk", flat=True).first())
    durations = timed_transactions()
    purge = IMPLEMENTATIONS[name]
    load = os.getloadavg()[0]  # other work on the machine, which stretches every time below
    rss_before = _rss_bytes()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sampler = RssSampler()
    sampler.start()
    probe.start()
    started = time.perf_counter()
    purge()
    seconds = time.perf_counter() - started
    for thread in (sampler, probe):
        thread.done.set()
        thread.join()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss = [value for _, value in sampler.samples]
    quarters = [rss[min(len(rss) - 1, len(rss) * q // 4)] for q in range(1, 5)] if rss else []
    return {
        "implementation": name,
        "load": load,
        "seconds": seconds,
        "rss_before": rss_before,
        "rss_peak": max(maxrss, max(rss, default=0)),
        "rss_growth": max(maxrss, max(rss, default=0)) - max(rss_before, maxrss_before if maxrss_before else 0),
        "rss_quarters": quarters,
        "transactions": len(durations),
        "longest_transaction": max(durations, default=0.0),
        "writes": len(probe.waits),
        "longest_write_wait": max(probe.waits, default=0.0),
        **remaining(),
    }
