"""Dashboard render times with a full task history: p50 / p95 of the overview, filtered task lists and an
actor's page; and a bulk retry of 10,000 failed tasks (the request, then the actor's work until all are re-sent).

A scratch SQLite database (djangobin's production settings: WAL, DEBUG off) is filled with 1,000,000 tasks by
bulk insert, spread over the 7 days of the default retention, with the per-minute counts the recorder would
have kept; RabbitMQ is a scratch virtual host with the queues declared. Each page is requested through
Django's full request stack (sessions, auth, middleware) by a logged-in staff user. The baseline is the same
pages over an empty history, measured in the same run.

    .venv/bin/python bench/dashboard.py [--tasks 1000000] [--requests 200]
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import load_average, machine, percentiles, write_section
from tests.support.rabbitmq import Vhost

ACTORS = (  # name, queue, share of the traffic
    ("send_activation_mail", "mail", 0.40),
    ("send_feedback_mail", "mail", 0.30),
    ("send_password_reset_mail", "mail", 0.25),
    ("remove_snippets", "maintenance", 0.05),
)
TARGET_MS = 150
BULK_ACTOR, BULK_COUNT = "prune_task_history", 10_000


def _setup(directory, vhost):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings_dashboard",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "EMAIL_HOST": "127.0.0.1",  # production settings require one; nothing is mailed here
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
            "RABBITMQ_URL": vhost.url,
            "DJANGO_LOG_LEVEL": "ERROR",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _declare_queues(url):
    """The queues as dramatiq declares them (with their dead-letter arguments), and 25 dead letters in mail.XQ."""
    import dramatiq
    import pika

    broker = dramatiq.get_broker()
    for queue in ("mail", "maintenance"):
        broker.declare_queue(queue, ensure=True)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for n in range(25):
        channel.basic_publish("", "mail.XQ", json.dumps({"n": n}).encode())
    connection.close()


def _task_rows(count, now, rng):
    """Rows for taskhistory_task, newest last, plus the per-minute counts they imply."""
    from taskhistory.minutes import epoch_minute
    from taskhistory.models import RUNTIME_BUCKETS
    from taskhistory.store import _datetime_adapter

    adapt = _datetime_adapter()
    names = [a for a, _, _ in ACTORS]
    queues = {a: q for a, q, _ in ACTORS}
    weights = [w for _, _, w in ACTORS]
    span = dt.timedelta(days=7).total_seconds()
    stats = defaultdict(lambda: defaultdict(float))
    rows = []
    for n in range(count):
        enqueued = now - dt.timedelta(seconds=span * (1 - n / count))
        actor = rng.choices(names, weights)[0]
        roll = rng.random()
        recent = (now - enqueued).total_seconds() < 600
        retries, error = 0, ""
        if recent and roll < 0.3:
            status = rng.choice(("enqueued", "running", "retrying", "delayed"))
        elif roll < 0.025:
            status, retries, error = "failed", rng.randint(0, 12), "PermanentMailError: SMTP 550: mailbox unavailable"
        elif roll < 0.03:
            status, retries, error = "succeeded", rng.randint(1, 3), "TransientMailError: SMTP 451: try later"
        else:
            status = "succeeded"
        finished = status in ("succeeded", "failed")
        started = enqueued + dt.timedelta(milliseconds=rng.randint(2, 400))
        runtime = rng.lognormvariate(3.5, 1.0) if finished else None
        end = started + dt.timedelta(milliseconds=runtime) if finished else None
        args = (
            [rng.randint(1, 10**6)]
            if actor != "send_activation_mail"
            else [rng.randint(1, 10**6), "https://paste.example"]
        )
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                actor,
                queues[actor],
                json.dumps(args),
                "{}",
                json.dumps({"max_retries": 12, "retries": retries} if retries else {}),
                status,
                retries * 10 + (4 if finished else 2),
                retries,
                adapt(enqueued),
                adapt(enqueued),
                adapt(started) if status != "enqueued" else None,
                adapt(end) if end else None,
                adapt(end) if status == "failed" else None,
                runtime,
                "worker-1" if status != "enqueued" else "",
                4242 if status != "enqueued" else None,
                error,
                f"Traceback (most recent call last):\n  ...\n{error}\n" if error else "",
                adapt(end or enqueued),
            )
        )
        if finished:
            bucket = stats[(epoch_minute(end), actor, queues[actor])]
            bucket["failed" if status == "failed" else "succeeded"] += 1
            bucket["retried"] += retries
            bucket["runtime_sum_ms"] += runtime
            for limit, name in RUNTIME_BUCKETS:
                if runtime / 1000 <= limit:
                    bucket[name] += 1
                    break
    return rows, stats


def _fill(count, rng):
    from django.db import connection, transaction

    from taskhistory.models import RUNTIME_BUCKETS

    now = dt.datetime.now(dt.UTC)
    rows, stats = _task_rows(count, now, rng)
    columns = (
        "message_id, actor_name, queue_name, args, kwargs, options, status, rank, retries, enqueued_at, queued_at, "
        "started_at, finished_at, dead_lettered_at, runtime_ms, worker_host, worker_pid, last_error, traceback, "
        "updated_at, eta, retry_of, retried_as"
    )
    buckets = [name for _, name in RUNTIME_BUCKETS]
    stat_columns = ["succeeded", "failed", "retried", "runtime_sum_ms", *buckets]
    counters = defaultdict(lambda: defaultdict(float))
    for (_, actor, queue), counts in stats.items():
        for name in stat_columns:
            counters[(actor, queue)][name] += counts[name]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO taskhistory_taskcounter (actor_name, queue_name, skipped, {', '.join(stat_columns)}) "  # noqa: S608
            f"VALUES (%s, %s, 0, {', '.join(['%s'] * len(stat_columns))})",
            [[actor, queue, *(counts[name] for name in stat_columns)] for (actor, queue), counts in counters.items()],
        )
        for start in range(0, len(rows), 50_000):
            cursor.executemany(
                f"INSERT INTO taskhistory_task ({columns}) VALUES ({', '.join(['%s'] * 20)}, NULL, '', '')",  # noqa: S608
                rows[start : start + 50_000],
            )
        cursor.executemany(
            f"INSERT INTO taskhistory_taskstat (minute, actor_name, queue_name, skipped, {', '.join(stat_columns)}) "  # noqa: S608
            f"VALUES (%s, %s, %s, 0, {', '.join(['%s'] * len(stat_columns))})",
            [
                [minute, actor, queue, *(counts[name] for name in stat_columns)]
                for (minute, actor, queue), counts in stats.items()
            ],
        )
    return rows


def _time(client, url, requests):
    for _ in range(5):
        client.get(url)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cuts = percentiles(samples)
    return cuts["p50"], cuts["p95"]


def _pages(rows):
    middle = rows[len(rows) // 2] if rows else None
    probe_id = middle[0] if middle else "0"
    probe_args = json.loads(middle[3])[0] if middle else 0
    from taskhistory.models import Task

    deep = Task.objects.filter(message_id=probe_id).values_list("pk", flat=True).first() or 1
    return [
        ("Overview (RabbitMQ counts, totals, 2 charts)", "/dashboard/", True),
        (
            "Tasks: failed, one actor, last 24 h",
            "/dashboard/tasks/?status=failed&actor=send_feedback_mail&window=24h",
            True,
        ),
        ("Tasks: newest, no filter", "/dashboard/tasks/", False),
        ("Tasks: one queue, last hour", "/dashboard/tasks/?queue=mail&window=1h", False),
        ("Tasks: succeeded, last 7 days", "/dashboard/tasks/?status=succeeded&window=7d", False),
        ("Tasks: failed, page from the middle", f"/dashboard/tasks/?status=failed&before={deep}", False),
        ("Tasks: by full message id", f"/dashboard/tasks/?message_id={probe_id}", False),
        ("Tasks: text in arguments (scans)", f"/dashboard/tasks/?text={probe_args}", False),
        ("Actor page (1 h / 1 day / 1 week, 3 charts)", "/dashboard/actors/send_feedback_mail/", True),
        ("Overview JSON (what the page polls)", "/dashboard/api/overview/", False),
        ("Prometheus metrics", "/dashboard/metrics", False),
    ]


def _failed_for_bulk(rng):
    """BULK_COUNT failed tasks of an actor with no arguments, sent in the last hour, as the recorder leaves them."""
    from django.db import connection, transaction

    from taskhistory.store import _datetime_adapter

    adapt = _datetime_adapter()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(BULK_COUNT):
        at = adapt(now - dt.timedelta(seconds=3600 * (1 - n / BULK_COUNT)))
        message_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        error = "OperationalError: database is locked"
        rows.append((message_id, BULK_ACTOR, "maintenance", "[]", "{}", "{}", "failed", 4, 0, at, at, at, at, at,
                     12.0, "worker-1", 4242, error, error, at))  # fmt: skip
    columns = (
        "message_id, actor_name, queue_name, args, kwargs, options, status, rank, retries, enqueued_at, queued_at, "
        "started_at, finished_at, dead_lettered_at, runtime_ms, worker_host, worker_pid, last_error, traceback, "
        "updated_at, eta, retry_of, retried_as"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO taskhistory_task ({columns}) VALUES ({', '.join(['%s'] * 20)}, NULL, '', '')",  # noqa: S608
            rows,
        )


def _bulk_retry(client, rng):
    """(request ms, ms until every task is re-sent): the confirmed POST, then what the actor does (run here)."""
    from taskhistory.bulk import bulk_operation_apply
    from taskhistory.models import BulkOperation

    _failed_for_bulk(rng)
    form = {"action": "retry", "scope": "filter", "filter_query": f"status=failed&actor={BULK_ACTOR}", "confirm": "yes"}
    started = time.perf_counter()
    response = client.post("/dashboard/tasks/bulk/", form)
    request_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.status_code
    operation = BulkOperation.objects.latest("pk")
    assert operation.total == BULK_COUNT, operation.total
    started = time.perf_counter()
    bulk_operation_apply(operation_id=operation.pk)
    resent_ms = (time.perf_counter() - started) * 1000
    operation.refresh_from_db()
    assert operation.done == BULK_COUNT, (operation.done, operation.passed_over)
    return request_ms, resent_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    options = parser.parse_args()

    vhost = Vhost(prefix="djangobin-bench").create()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _setup(Path(tmp), vhost)
            _declare_queues(vhost.url)
            from django.test import Client

            from tests.factories import make_user

            client = Client()
            staff = make_user(is_staff=True, is_superuser=True)
            client.force_login(staff)

            load_before = load_average()
            baseline = {}
            for label, url, _ in _pages([]):
                if "message_id" in url or "before" in url or "text=" in url:
                    continue
                baseline[label] = _time(client, url, options.requests // 2)
                print(f"empty history  {label:<48} p50 {baseline[label][0]:6.1f} ms  p95 {baseline[label][1]:6.1f} ms")

            bulk_base = _bulk_retry(client, random.Random(7))
            print(f"empty history  bulk retry: request {bulk_base[0]:.0f} ms, all re-sent {bulk_base[1]:.0f} ms")
            from taskhistory.models import Task

            Task.objects.all().delete()

            started = time.perf_counter()
            rows = _fill(options.tasks, random.Random(5))
            fill_seconds = time.perf_counter() - started
            size_mb = (Path(tmp) / "bench.sqlite3").stat().st_size / 1e6
            print(f"filled {options.tasks:,} tasks in {fill_seconds:.1f} s ({size_mb:.0f} MB)")

            results = []
            for label, url, targeted in _pages(rows):
                p50, p95 = _time(client, url, options.requests)
                base = baseline.get(label)
                ratio = f"{p95 / base[1]:.2f}" if base else "—"
                results.append((label, p50, p95, ratio, targeted))
                verdict = ("meets" if p95 < TARGET_MS else "MISSES") + f" {TARGET_MS} ms" if targeted else ""
                print(f"{options.tasks:,} tasks  {label:<48} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  x{ratio} {verdict}")
            bulk = _bulk_retry(client, random.Random(8))
            print(f"{options.tasks:,} tasks  bulk retry: request {bulk[0]:.0f} ms, all re-sent {bulk[1]:.0f} ms")
    finally:
        vhost.delete()

    if options.no_write:
        return
    lines = "\n".join(
        f"| {label}{' **(target)**' if targeted else ''} | {p50:.1f} | {p95:.1f} | {ratio} |"
        for label, p50, p95, ratio, targeted in results
    )
    write_section(
        "Dashboard: page render times",
        f"""
`bench/dashboard.py` (`make bench-dashboard`), run {dt.date.today()}: {options.tasks:,} tasks bulk-inserted into a
scratch SQLite database (production settings, WAL), spread over the 7-day retention, with the per-minute counts
the recorder keeps; RabbitMQ on loopback (scratch virtual host, queues declared). {options.requests} requests
per page through Django's full stack as a logged-in staff user; the ratio is p95 over the same page with an
empty history, measured first in the same run. Fill: {fill_seconds:.0f} s, database {size_mb:.0f} MB.
Machine: {machine()}, load average {load_before:.2f} as the timings began.

| page | p50 ms | p95 ms | p95 / empty history |
|---|---|---|---|
{lines}

Bulk retry of {BULK_COUNT:,} failed tasks (everything matching `status=failed&actor={BULK_ACTOR}`), as the
dashboard does it: the confirmed POST records the operation and counts its tasks ({bulk[0]:.0f} ms; with only
those {BULK_COUNT:,} tasks in the history {bulk_base[0]:.0f} ms, x{bulk[0] / bulk_base[0]:.2f}); then the
`apply_bulk_operation` actor's work, run in the bench process on the same broker, re-sends them all with
publisher confirms in {bulk[1] / 1000:.1f} s ({BULK_COUNT / (bulk[1] / 1000):.0f} tasks/s;
{bulk_base[1] / 1000:.1f} s with the small history, x{bulk[1] / bulk_base[1]:.2f}).

Target: p95 under {TARGET_MS} ms for the overview, the filtered task list and the actor page. Lists are keyset
pages over the `(…, enqueued_at, id)` indexes (no OFFSET, counts capped at 10,000); totals, charts and metrics read the
per-minute counts, not the task table. Text search in arguments is a scan (`LIKE '%…%'`), bounded only by the
time window chosen with it.
""",
    )


if __name__ == "__main__":
    main()
