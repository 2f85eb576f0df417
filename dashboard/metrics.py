"""The Prometheus text exposition of /dashboard/metrics.

Counters come from taskhistory's never-pruned TaskCounter rows, so they only go up (across the daily prune and
restarts); everything else is a gauge of the present.
"""

from django.utils import timezone

from delivery.outbox import outbox_pending_count
from delivery.parked import outbox_parked_count
from delivery.queues import broker_view
from taskhistory import selectors

from . import scheduling


def _escape(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels):
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}" if labels else ""


class _Exposition:
    def __init__(self):
        self.lines = []

    def family(self, name, kind, help_text):
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name, value, **labels):
        if value is not None:
            self.lines.append(f"{name}{_labels(**labels)} {value}")

    def text(self):
        return "\n".join(self.lines) + "\n"


def _queues(out, broker, latency):
    out.family("djangobin_rabbitmq_up", "gauge", "1 when RabbitMQ answered the passive declares.")
    out.sample("djangobin_rabbitmq_up", 0 if broker.error else 1)
    out.family(
        "djangobin_queue_messages",
        "gauge",
        "Messages in a queue: ready, delayed (in Q.DQ, not yet fetched by a worker), dead (in Q.XQ), unacked.",
    )
    for queue in broker.queues:
        for state in ("ready", "delayed", "dead", "unacked"):
            out.sample("djangobin_queue_messages", getattr(queue, state), queue=queue.name, state=state)
    out.family("djangobin_queue_consumers", "gauge", "Consumers of a queue.")
    for queue in broker.queues:
        out.sample("djangobin_queue_consumers", queue.consumers, queue=queue.name)
    out.family(
        "djangobin_queue_latency_seconds",
        "gauge",
        "Age of the oldest message ready to run in a queue (0 when none waits), from the task history.",
    )
    for queue in broker.queues:
        out.sample("djangobin_queue_latency_seconds", round(latency.get(queue.name, 0.0), 3), queue=queue.name)


def _tasks(out):
    totals = selectors.actor_totals()
    out.family("djangobin_task_attempts_total", "counter", "Attempts finished, by actor, queue and outcome.")
    for actor in totals:
        for outcome, count in actor.attempts.items():
            out.sample("djangobin_task_attempts_total", count, actor=actor.actor, queue=actor.queue, outcome=outcome)
    out.family("djangobin_tasks_open", "gauge", "Tasks not finished yet, by actor, queue and status.")
    for (actor, queue, status), count in sorted(selectors.open_counts().items()):
        out.sample("djangobin_tasks_open", count, actor=actor, queue=queue, status=status)
    out.family("djangobin_task_runtime_seconds", "histogram", "Run time of finished attempts, by actor and queue.")
    for actor in totals:
        labels = {"actor": actor.actor, "queue": actor.queue}
        for limit, cumulative in actor.runtime_buckets:
            out.sample("djangobin_task_runtime_seconds_bucket", cumulative, **labels, le=limit)
        out.sample("djangobin_task_runtime_seconds_bucket", actor.runtime_count, **labels, le="+Inf")
        out.sample("djangobin_task_runtime_seconds_sum", round(actor.runtime_sum_seconds, 6), **labels)
        out.sample("djangobin_task_runtime_seconds_count", actor.runtime_count, **labels)


def _workers(out, now):
    rows = selectors.workers(now=now)
    live = [row for row in rows if not row.stale]
    out.family("djangobin_workers", "gauge", "Worker processes by heartbeat state.")
    out.sample("djangobin_workers", len(live), state="live")
    out.sample("djangobin_workers", len(rows) - len(live), state="stale")
    out.family("djangobin_worker_tasks_in_flight", "gauge", "Messages live worker processes are running now.")
    out.sample("djangobin_worker_tasks_in_flight", sum(row.process.in_flight for row in live))
    out.family("djangobin_worker_threads", "gauge", "Worker threads of live worker processes (the capacity).")
    out.sample("djangobin_worker_threads", sum(row.process.threads for row in live))


def _scheduler(out, now):
    jobs = scheduling.jobs_health(now=now)
    out.family(
        "djangobin_scheduler_job_last_success_timestamp_seconds",
        "gauge",
        "When a scheduler job's newest run that succeeded finished (Unix time); absent when none is in the history.",
    )
    for job in jobs:
        if job.last_success_at is not None:
            out.sample(
                "djangobin_scheduler_job_last_success_timestamp_seconds",
                round(job.last_success_at.timestamp(), 3),
                job=job.name,
            )
    out.family("djangobin_scheduler_job_missed", "gauge", "1 when a job's latest due run was not sent in time.")
    for job in jobs:
        out.sample("djangobin_scheduler_job_missed", int(job.missed), job=job.name)


def _outbox(out):
    parked = outbox_parked_count()
    out.family(
        "djangobin_outbox_messages",
        "gauge",
        "Outbox rows not yet published: waiting (RabbitMQ was unreachable) or parked (they failed on their own).",
    )
    out.sample("djangobin_outbox_messages", outbox_pending_count() - parked, state="waiting")
    out.sample("djangobin_outbox_messages", parked, state="parked")


def exposition() -> str:
    now = timezone.now()
    out = _Exposition()
    _queues(out, broker_view(selectors.known_queues(now=now)), selectors.queue_latency(now=now))
    _tasks(out)
    _workers(out, now)
    _scheduler(out, now)
    _outbox(out)
    return out.text()
