#!/usr/bin/env python3
"""The expiry sweep (`remove_expired_snippets`, every 5 minutes by default): what one run costs among 200,000 rows.

    .venv/bin/python bench/expiry_sweep.py                     # SQLite in a temporary directory
    .venv/bin/python bench/expiry_sweep.py --rows 20000
    .venv/bin/python bench/expiry_sweep.py --database-url postgres://postgres@127.0.0.1:5432/postgres

It builds a scratch database of `--rows` snippets with their renders (half never expiring, half expiring within the
next year, none expired), then times, in the same process and run, interleaved:

- the baseline: the snippet page's own query (one row by its unique slug), the cheapest query the site makes;
- the sweep with nothing expired, which is what it finds most of the time;
- the sweep with N snippets expired a second ago (N = 10, 100, 1,000, 10,000: a quiet site's five minutes up to a
  backlog), each N made anew before each run from live rows.

It reports each one's median time, its ratio to the baseline's median, and the SQL statements it ran. Times are wall
clock on whatever else the machine is doing; the ratios are what to compare across runs.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, add_vendor_options, ms, production_env, reproduce, write_vendor_block
from django_project.dbadmin import pg_execute

SECTION = "Expiry sweep"
CHUNK = 5000
EXPIRED_COUNTS = (10, 100, 1_000, 10_000)
INTRO = """`bench/expiry_sweep.py` measures one run of the sweep that the scheduler enqueues every 5 minutes
(`remove_expired_snippets`, `SCHEDULER_EXPIRE_CRON`), so that a paste leaves the database within minutes of expiring
rather than at the next midnight. It builds a scratch database of snippets with their renders (half never expiring,
half expiring within the year), then times, interleaved in one process: the baseline (the snippet page's own query,
one row by its unique slug), the sweep with nothing expired, and the sweep with N snippets just expired among them
(made anew from live rows before each run). Medians, their ratio to the baseline's median in the same run, and the SQL
statements each ran. The machine was shared with other work while these ran: compare the ratios, not the times.
How to read it: with nothing expired the sweep is one query on the `expires_at` index, cheaper than the page's own
query on both databases, so running it every 5 minutes costs nothing measurable. With rows to delete it is the purge
engine (see "Expiry purge"): its batches are sized by time (`PURGE_BATCH_SECONDS`), so on a loaded machine (the load
average at the start is in each block) they shrink towards the 10-row floor and a thousand rows take many short
transactions on SQLite; that keeps each write lock short for the site's own writes rather than adding cost per row.
A quiet site's five minutes (tens of expiries) is one batch."""


def build(rows, seed=1):
    from django.db import connection, transaction

    from djangobin.models import Language, Snippet, SnippetRender

    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC)
    language = Language.objects.get(lang_code="python")
    for start in range(1, rows + 1, CHUNK):
        ids = range(start, min(start + CHUNK, rows + 1))
        snippets = [
            Snippet(
                pk=pk,
                original_code=f"print({pk})\n",
                expiration="never" if pk % 2 else "custom",
                expires_at=None if pk % 2 else now + datetime.timedelta(seconds=rng.uniform(3600, 365 * 86400)),
                slug=f"s{pk:09d}",
                created_on=now,
                language=language,
            )
            for pk in ids
        ]
        with transaction.atomic():
            Snippet.objects.bulk_create(snippets, batch_size=1000)
            SnippetRender.objects.bulk_create([SnippetRender(snippet_id=pk, state="plain") for pk in ids], 1000)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)" if connection.vendor == "sqlite" else "ANALYZE")


def expire(count, rng):
    """Make `count` live snippets expired a second ago; returns their ids."""
    from django.utils import timezone

    from djangobin.models import Snippet

    live = list(Snippet.objects.filter(expires_at__gt=timezone.now()).values_list("pk", flat=True))
    chosen = rng.sample(live, count)
    for start in range(0, count, 1000):
        Snippet.objects.filter(pk__in=chosen[start : start + 1000]).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    return chosen


def timed(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return seconds, len(queries.captured_queries), result


def measure(rounds, rng):
    from djangobin.models import Snippet
    from djangobin.services.purge import snippets_expired_delete

    counts = [n for n in EXPIRED_COUNTS if n <= Snippet.objects.count() // 8]  # live rows to spare for every round
    slugs = [f"s{pk:09d}" for pk in rng.sample(range(1, Snippet.objects.count() // 2, 2), 50)]  # odd ids: never expire
    results = {"baseline": [], "nothing expired": [], **{f"{n:,} expired": [] for n in counts}}
    statements = {}
    for round_ in range(rounds):
        for slug in slugs[:10]:
            seconds, count, _ = timed(lambda slug=slug: Snippet.objects.filter(slug=slug).first())
            results["baseline"].append(seconds)
            statements["baseline"] = count
        for _ in range(10):
            seconds, count, deleted = timed(snippets_expired_delete)
            assert deleted == 0, deleted
            results["nothing expired"].append(seconds)
            statements["nothing expired"] = count
        for n in counts:
            if n == counts[-1] and round_ >= 1:
                continue  # the biggest once: the table would shrink by it every round
            chosen = expire(n, rng)
            seconds, count, deleted = timed(snippets_expired_delete)
            assert deleted == n and not Snippet.objects.filter(pk__in=chosen[:1000]).exists(), (deleted, n)
            results[f"{n:,} expired"].append(seconds)
            statements[f"{n:,} expired"] = count
    return results, statements


def report(rows, vendor, results, statements, build_seconds, load):
    base = statistics.median(results["baseline"])
    lines = [
        f"### {vendor}, {rows:,} snippets",
        "",
        f"Built in {build_seconds:.0f} s; load average {load:.1f} at the start.",
        "",
        "| run | median | ratio to the baseline | SQL statements | runs |",
        "|---|---|---|---|---|",
    ]
    for name, samples in results.items():
        median = statistics.median(samples)
        ratio = median / base
        lines.append(f"| {name} | {ms(median, digits=2)} | {ratio:,.1f} | {statements[name]} | {len(samples)} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    add_vendor_options(parser)
    args = parser.parse_args()
    postgres = bool(args.database_url)
    scratch_name = f"djangobin_bench_sweep_{os.getpid()}"
    with tempfile.TemporaryDirectory() as directory:
        if postgres:
            pg_execute(args.database_url, f'CREATE DATABASE "{scratch_name}"')
            url = args.database_url.rsplit("/", 1)[0] + "/" + scratch_name
        else:
            url = f"sqlite:///{Path(directory) / 'sweep.sqlite3'}"
        try:
            os.environ.update(production_env(url))
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=0)
            load = os.getloadavg()[0]
            started = time.perf_counter()
            build(args.rows)
            build_seconds = time.perf_counter() - started
            results, statements = measure(args.rounds, random.Random(2))
            vendor = "PostgreSQL" if postgres else "SQLite"
            block = report(args.rows, vendor, results, statements, build_seconds, load)
            command = "python bench/expiry_sweep.py" + (f" --rows {args.rows}" if args.rows != 200_000 else "")
            block += "\n" + reproduce(command, postgres) + "\n"
            print(block)
            connection.close()
        finally:
            if postgres:
                pg_execute(args.database_url, f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')
    if not args.no_docs:
        write_vendor_block(SECTION, INTRO, block)


if __name__ == "__main__":
    os.chdir(REPO)
    main()
