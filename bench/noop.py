"""A no-op actor for the dashboard benchmarks: each run appends one byte to $BENCH_DONE_FILE (how the bench
counts finished messages without a database write of its own)."""

import os

import dramatiq

_done = None


@dramatiq.actor(queue_name="bench", max_retries=0)
def noop(n):
    global _done
    if _done is None:
        _done = os.open(os.environ["BENCH_DONE_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(_done, b".")


def send(count):
    for n in range(count):
        noop.send(n)
