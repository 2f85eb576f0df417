"""What one actor did over the last hour, day and week: throughput, failure rate, run time and time in queue.

Counts come from the per-minute counts (exact, whatever the traffic); percentiles from the newest finished
tasks of the window, at most SAMPLE of them (an index range, so the page stays fast at a million tasks).
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from taskhistory import selectors
from taskhistory.minutes import epoch_minute
from taskhistory.models import Task, TaskStat

from . import charts
from .wording import counted

SAMPLE = 1_000
WINDOWS = (
    # key, title, length, chart step in minutes, chart buckets, tick every, time format
    ("1h", "Last hour", dt.timedelta(hours=1), 1, 60, 10, "%H:%M"),
    ("1d", "Last day", dt.timedelta(days=1), 60, 24, 3, "%H:00"),
    ("1w", "Last week", dt.timedelta(days=7), 360, 28, 4, "%a %H:00"),
)


@dataclass
class Percentiles:
    p50: float | None
    p95: float | None
    p99: float | None
    sample: int


@dataclass
class ActorWindow:
    key: str
    title: str
    attempts: int
    failed: int  # raised (retried or not) or skipped
    per_minute: float
    runtime_ms: Percentiles
    queue_ms: Percentiles
    chart: charts.Chart

    @property
    def failure_rate(self):
        return self.failed / self.attempts if self.attempts else None


def percentiles(values) -> Percentiles:
    """Nearest-rank percentiles of `values` (None when there are none)."""
    ordered = sorted(value for value in values if value is not None)

    def rank(p):
        return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)] if ordered else None

    return Percentiles(p50=rank(50), p95=rank(95), p99=rank(99), sample=len(ordered))


def _window(actor, key, title, length, step, buckets, tick_every, time_format, now):
    since = now - length
    sums = TaskStat.objects.filter(actor_name=actor, minute__gte=epoch_minute(since)).aggregate(
        ok=Sum("succeeded"), failed=Sum("failed"), retried=Sum("retried"), skipped=Sum("skipped")
    )
    failed = (sums["failed"] or 0) + (sums["retried"] or 0) + (sums["skipped"] or 0)
    attempts = (sums["ok"] or 0) + failed
    rows = list(
        Task.objects.filter(actor_name=actor, enqueued_at__gte=since, finished_at__isnull=False)
        .order_by("-enqueued_at", "-id")
        .values_list("runtime_ms", "enqueued_at", "queued_at", "started_at")[:SAMPLE]
    )
    waits = [
        max((started - (queued or enqueued)).total_seconds() * 1000, 0.0)
        for _, enqueued, queued, started in rows
        if started is not None
    ]
    return ActorWindow(
        key=key,
        title=title,
        attempts=attempts,
        failed=failed,
        per_minute=attempts / (length.total_seconds() / 60),
        runtime_ms=percentiles(row[0] for row in rows),
        queue_ms=percentiles(waits),
        chart=charts.Chart(
            key=f"actor:{key}",
            title=title,
            series=selectors.throughput(step_minutes=step, buckets=buckets, now=now, actor=actor),
            time_format=time_format,
            tick_every=tick_every,
        ),
    )


def actor_page(actor: str, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {"actor": actor, "now": now, "windows": [_window(actor, *window, now=now) for window in WINDOWS]}


def actor_json(data: dict) -> dict:
    windows = {}
    live = {}
    html = {}
    for window in data["windows"]:
        windows[window.key] = {
            "attempts": window.attempts,
            "failed": window.failed,
            "failure_rate": window.failure_rate,
            "per_minute": round(window.per_minute, 3),
            "runtime_ms": vars(window.runtime_ms),
            "queue_ms": vars(window.queue_ms),
        }
        live |= {f"actor:{window.key}:attempts": window.attempts, f"actor:{window.key}:failed": window.failed}
        live[f"actor:{window.key}:attempts:text"] = counted(window.attempts, "attempt", "attempts")
        html[f"chart:actor:{window.key}"] = str(window.chart.svg)
    return {
        "actor": data["actor"],
        "generated_at": data["now"].isoformat(),
        "windows": windows,
        "live": live,
        "html": html,
    }
