"""A private StubBroker with the dashboard's middleware, and a worker on it, for unit tests of the recording."""

from contextlib import contextmanager

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Retries

from taskhistory.control import WorkerControl
from taskhistory.middleware import TaskHistory


def stub_broker():
    middleware = [AgeLimit(), WorkerControl(), TaskHistory(), Retries(min_backoff=10, max_backoff=50)]
    broker = StubBroker(middleware=middleware)
    broker.emit_after("process_boot")
    return broker


def history(broker):
    return next(m for m in broker.middleware if isinstance(m, TaskHistory))


@contextmanager
def running_worker(broker, threads=2):
    """A worker on `broker`; leaving the block stops it, which writes what the recorder buffered."""
    worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=threads)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def drain(broker, worker):
    for queue in list(broker.queues):
        broker.join(queue, fail_fast=False)
    worker.join()


def control(broker):
    return next(m for m in broker.middleware if isinstance(m, WorkerControl))
