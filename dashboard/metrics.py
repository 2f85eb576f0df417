"""The Prometheus text exposition of /dashboard/metrics."""

from . import selectors


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


def _queues(out, broker):
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


def _tasks(out):
    totals = selectors.actor_totals()
    out.family(
        "djangobin_task_attempts_total",
        "counter",
        "Attempts finished, by actor and outcome, over the kept history (DASHBOARD_RETENTION_DAYS).",
    )
    for actor in totals:
        for outcome, count in actor.attempts.items():
            out.sample("djangobin_task_attempts_total", count, actor=actor.actor, outcome=outcome)
    out.family("djangobin_tasks_open", "gauge", "Tasks not finished yet, by actor and status.")
    for (actor, status), count in sorted(selectors.open_counts().items()):
        out.sample("djangobin_tasks_open", count, actor=actor, status=status)
    out.family("djangobin_task_runtime_seconds", "histogram", "Run time of finished attempts, by actor.")
    for actor in totals:
        for limit, cumulative in actor.runtime_buckets:
            out.sample("djangobin_task_runtime_seconds_bucket", cumulative, actor=actor.actor, le=limit)
        out.sample("djangobin_task_runtime_seconds_bucket", actor.runtime_count, actor=actor.actor, le="+Inf")
        out.sample("djangobin_task_runtime_seconds_sum", round(actor.runtime_sum_seconds, 6), actor=actor.actor)
        out.sample("djangobin_task_runtime_seconds_count", actor.runtime_count, actor=actor.actor)


def _workers(out):
    rows = selectors.workers()
    out.family("djangobin_workers", "gauge", "Worker processes by heartbeat state.")
    out.sample("djangobin_workers", sum(not row.stale for row in rows), state="live")
    out.sample("djangobin_workers", sum(row.stale for row in rows), state="stale")


def exposition():
    out = _Exposition()
    _queues(out, selectors.broker_view(selectors.known_queues()))
    _tasks(out)
    _workers(out)
    return out.text()
