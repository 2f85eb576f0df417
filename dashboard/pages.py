"""What each dashboard page shows, assembled once from the selectors for both its HTML and its JSON twin.

Every JSON document carries, besides its data, a flat `live` map (and `html` for charts) whose keys match the
`data-key` attributes of the page, which is all static/dashboard/refresh.js needs to update the numbers.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from delivery.queues import broker_view
from taskhistory import selectors
from taskhistory.statuses import OPEN

from . import charts
from .subjects import task_subject
from .wording import counted

TOTAL_ROWS = (
    ("delayed", "Delayed (sent for later)"),
    ("retrying", "Waiting to retry"),
    ("enqueued", "Enqueued"),
    ("running", "Running"),
    ("lost", "Running when its worker died"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed for good"),
    ("retried", "Attempts that raised and were retried"),
    ("skipped", "Skipped"),
)
QUEUE_FIELDS = ("ready", "delayed", "dead", "consumers", "unacked", "delayed_unacked", "type", "leader")


def iso(value):
    return value.isoformat() if value else None


def _headline(totals, broker):
    day = totals["day"]
    dead = [queue.dead for queue in broker.queues if queue.dead is not None]
    return {
        "processed": sum(day[name] for name in ("succeeded", "failed", "retried", "skipped")),
        "failed": day["failed"],
        "running": day["running"],
        "waiting": day["enqueued"] + day["delayed"] + day["retrying"],
        "dead": sum(dead) if dead else None,
    }


def overview(*, now=None):
    now = now or timezone.now()
    broker = broker_view(selectors.known_queues(now=now))
    workers = selectors.workers(now=now)
    totals = selectors.status_totals(now=now)
    return {
        "now": now,
        "broker": broker,
        "totals": totals,
        "total_rows": TOTAL_ROWS,
        "open_statuses": OPEN,
        "charts": [
            charts.Chart(
                key="minute",
                title="Last hour, per minute",
                series=selectors.throughput(step_minutes=1, buckets=60, now=now),
                time_format="%H:%M",
                tick_every=10,
            ),
            charts.Chart(
                key="hour",
                title="Last day, per hour",
                series=selectors.throughput(step_minutes=60, buckets=24, now=now),
                time_format="%H:00",
                tick_every=3,
            ),
        ],
        "paused": selectors.queues_paused(),
        "headline": _headline(totals, broker),
        "workers_live": sum(not row.stale for row in workers),
        "workers_stale": sum(row.stale for row in workers),
    }


def _queue_json(queue):
    fields = {name: getattr(queue, name) for name in QUEUE_FIELDS}
    return {"name": queue.name, **fields, "members": queue.members, "rates": queue.rates}


def overview_json(data):
    broker = data["broker"]
    live = {"broker:error": broker.error, "broker:management_error": broker.management_error}
    for queue in broker.queues:
        live |= {f"queue:{queue.name}:{name}": getattr(queue, name) for name in QUEUE_FIELDS}
        live |= {f"queue:{queue.name}:rate:{name}": rate for name, rate in queue.rates.items()}
        live[f"queue:{queue.name}:members"] = ", ".join(queue.members)
    for window, counts in data["totals"].items():
        live |= {f"total:{window}:{status}": count for status, count in counts.items()}
    live |= {"workers:live": data["workers_live"], "workers:stale": data["workers_stale"]}
    live["workers:live:text"] = counted(data["workers_live"], "live worker process", "live worker processes")
    live |= {f"headline:{name}": value for name, value in data["headline"].items()}
    for chart in data["charts"]:
        live |= {f"chart:{chart.key}:processed": chart.processed, f"chart:{chart.key}:failed": chart.failed}
    return {
        "generated_at": iso(data["now"]),
        "broker": {
            "error": broker.error,
            "management": broker.management,
            "management_error": broker.management_error,
            "queues": [_queue_json(queue) for queue in broker.queues],
        },
        "totals": data["totals"],
        "throughput": {
            chart.key: [
                {"start": iso(bucket.start), "processed": bucket.processed, "failed": bucket.failed}
                for bucket in chart.series
            ]
            for chart in data["charts"]
        },
        "workers": {"live": data["workers_live"], "stale": data["workers_stale"]},
        "live": live,
        "html": {f"chart:{chart.key}": str(chart.svg) for chart in data["charts"]},
    }


def _worker_json(row):
    process = row.process
    return {
        "key": process.key,
        "host": process.host,
        "pid": process.pid,
        "queues": process.queue_list,
        "threads": process.threads,
        "in_flight": process.in_flight,
        "processed": process.processed,
        "failed": process.failed,
        "started_at": iso(process.started_at),
        "last_seen": iso(process.last_seen),
        "heartbeat_age_seconds": round(row.age_seconds, 1),
        "stale": row.stale,
    }


def workers_json(rows, *, now):
    live = {"workers:count": len(rows), "workers:count:text": counted(len(rows), "worker process", "worker processes")}
    for row in rows:
        worker = _worker_json(row)
        prefix = f"worker:{worker['key']}"
        live |= {f"{prefix}:{name}": worker[name] for name in ("in_flight", "processed", "failed")}
        live |= {f"{prefix}:age": f"{worker['heartbeat_age_seconds']:.0f} s", f"{prefix}:state": _state(row)}
    return {"generated_at": iso(now), "workers": [_worker_json(row) for row in rows], "live": live}


def _state(row):
    return "stale" if row.stale else "live"


def task_json(task, *, full=False):
    data = {
        "message_id": task.message_id,
        "actor": task.actor_name,
        "queue": task.queue_name,
        "status": task.status,
        "dead_lettered": task.dead_lettered_at is not None,
        "retries": task.retries,
        "args": task.args_value,
        "kwargs": task.kwargs_value,
        "enqueued_at": iso(task.enqueued_at),
        "started_at": iso(task.started_at),
        "finished_at": iso(task.finished_at),
        "dead_lettered_at": iso(task.dead_lettered_at),
        "runtime_ms": task.runtime_ms,
        "last_error": task.last_error,
        "retried_as": task.retried_as or None,
    }
    if full:
        data |= {
            "options": task.options_value,
            "queued_at": iso(task.queued_at),
            "eta": iso(task.eta),
            "queue_seconds": task.queue_seconds,
            "worker": {"host": task.worker_host, "pid": task.worker_pid} if task.worker_host else None,
            "traceback": task.traceback,
            "retry_of": task.retry_of or None,
            "updated_at": iso(task.updated_at),
            "subject": vars(subject) if (subject := task_subject(task)) else None,
        }
    return data


def _runtime(task):
    return f"{task.runtime_ms:.1f} ms" if task.runtime_ms is not None else "—"


def _tasks_count_text(page):
    if page.count is None:
        return "Matching tasks"
    if page.count_capped:
        return f"{page.count}+ matching tasks"
    return counted(page.count, "matching task", "matching tasks")


def tasks_json(page, *, now, request=None, first_page=False):
    """The page's data; on the first page also its rows as HTML, so that new tasks appear without a reload."""
    live = {"tasks:count": page.count, "tasks:count:text": _tasks_count_text(page)}
    for task in page.tasks:
        live |= {
            f"task:{task.message_id}:status": task.status,
            f"task:{task.message_id}:retries": task.retries,
            f"task:{task.message_id}:runtime": _runtime(task),
        }
    return {
        "generated_at": iso(now),
        "count": page.count,
        "count_capped": page.count_capped,
        "next_before": page.next_before,
        "tasks": [task_json(task) for task in page.tasks],
        "live": live,
        "html": {"tasks:rows": render_to_string("dashboard/_task_rows.html", {"page": page}, request)}
        if first_page
        else {},
    }


def _attempt_json(attempt):
    return {
        "attempt": attempt.attempt,
        "status": attempt.status,
        "queue_seconds": attempt.waited_seconds,
        "started_at": iso(attempt.started_at),
        "finished_at": iso(attempt.finished_at),
        "runtime_ms": attempt.runtime_ms,
        "worker": {"host": attempt.worker_host, "pid": attempt.worker_pid} if attempt.worker_host else None,
        "error": attempt.error,
    }


def task_detail_json(task, *, now):
    data = task_json(task, full=True) | {"attempts": [_attempt_json(a) for a in selectors.task_attempts(task)]}
    live = {f"task:{name}": data[name] for name in ("status", "retries", "last_error", "retried_as")}
    live |= {f"task:{name}": _time(getattr(task, name)) for name in ("started_at", "finished_at", "dead_lettered_at")}
    live |= {"task:runtime": _runtime(task), "task:queue_time": _seconds(task.queue_seconds)}
    return {"generated_at": iso(now), "task": data, "live": live, "html": {"task:traceback": _pre(task.traceback)}}


def _time(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "—"


def _seconds(value):
    return f"{value:.3f} s" if value is not None else "—"


def _pre(text):
    return render_to_string("dashboard/_traceback.html", {"traceback": text})


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—"


def _run_json(run, task):
    return {
        "job": run.job,
        "fire_time": iso(run.fire_time),
        "manual": run.manual,
        "outcome": run.outcome,
        "attempts": run.attempts,
        "last_error": run.last_error,
        "enqueued_at": iso(run.enqueued_at),
        "delay_seconds": run.delay.total_seconds() if run.delay is not None else None,
        "message_id": run.message_id or None,
        "task_status": task.status if task else None,
    }


def scheduler_json(state):
    jobs, live = (
        [],
        {
            "scheduler:health": "ok" if state.healthy else "bad",
            "scheduler:summary": state.summary,
            "scheduler:heartbeat_age": "—" if state.heartbeat_age is None else f"{state.heartbeat_age:.0f} s",
        },
    )
    for job in state.jobs:
        last = _run_json(job.last_run, job.last_task) if job.last_run else None
        jobs.append(
            {
                "name": job.name,
                "cron": job.cron,
                "schedule": job.schedule,
                "actor": job.actor,
                "enabled": job.enabled,
                "required": job.required,
                "next_fire_time": iso(job.next_fire_time),
                "due_fire_time": iso(job.due_fire_time),
                "missed": job.missed,
                "last_run": last,
            }
        )
        live |= {
            f"job:{job.name}:next": _when(job.next_fire_time),
            f"job:{job.name}:state": "missed" if job.missed else "ok",
            f"job:{job.name}:last_outcome": job.last_run.outcome if job.last_run else "—",
            f"job:{job.name}:task_status": job.last_task.status if job.last_task else "—",
        }
    return {
        "generated_at": iso(state.now),
        "healthy": state.healthy,
        "problems": state.problems,
        "heartbeat_age_seconds": state.heartbeat_age,
        "lease": {"holder": state.lease.holder, "expires_at": iso(state.lease.expires_at)} if state.lease else None,
        "daemons": [
            {
                "instance": daemon.instance,
                "host": daemon.hostname,
                "pid": daemon.pid,
                "started_at": iso(daemon.started_at),
                "beat_at": iso(daemon.beat_at),
                "stopped_at": iso(daemon.stopped_at),
                "leading": daemon.leading,
            }
            for daemon in state.daemons
        ],
        "jobs": jobs,
        "recent_runs": [_run_json(run, state.tasks_by_message.get(run.message_id)) for run in state.recent_runs],
        "live": live,
    }


def operation_json(operation):
    data = {
        "id": operation.pk,
        "action": operation.action,
        "state": operation.state,
        "total": operation.total,
        "done": operation.done,
        "passed_over": operation.passed_over,
        "percent": operation.progress_percent,
        "created_at": iso(operation.created_at),
        "finished_at": iso(operation.finished_at),
    }
    live = {f"operation:{name}": data[name] for name in ("state", "done", "passed_over", "percent")}
    return {"operation": data, "live": live}
