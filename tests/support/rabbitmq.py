"""A RabbitMQ virtual host of the test run's own, so tests never eat (or feed) a developer's messages."""

import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

RABBITMQ_HOST = os.environ.get("TEST_RABBITMQ_HOST", "127.0.0.1:5672")


def _ctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


class Vhost:
    def __init__(self, prefix="djangobin-test"):
        self.name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.url = f"amqp://guest:guest@{RABBITMQ_HOST}/{quote(self.name, safe='')}"

    def create(self):
        _ctl("add_vhost", self.name)
        _ctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        return self

    def delete(self):
        _ctl("delete_vhost", self.name)

    def purge(self, queue):
        """Drop every ready message of `queue`."""
        _ctl("purge_queue", "-p", self.name, queue)

    def queue_depths(self):
        """{queue name: messages ready} as RabbitMQ reports them."""
        out = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", self.name, "--no-table-headers", "name", "messages"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        depths = {}
        for line in out.splitlines():
            name, _, count = line.rpartition("\t")
            if name:
                depths[name] = int(count)
        return depths

    def wait_until_empty(self, *queues, timeout=60.0):
        """Wait until each named queue holds no message, ready or unacknowledged (a worker finished them)."""
        deadline = time.monotonic() + timeout
        while True:
            depths = self.queue_depths()
            if all(depths.get(queue, 0) == 0 for queue in queues):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"queues still hold messages after {timeout} s: {depths}")
            time.sleep(0.2)


class VhostPool:
    """Hands each test a fresh virtual host made while the test before it ran, and deletes it after the test while the
    next one runs: each `rabbitmqctl` call starts an Erlang VM (half a second or more), three per test otherwise."""

    def __init__(self):
        # Two threads, so that a deletion never holds up the next creation.
        self._ctl = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vhosts")
        self._ready = None
        self._deleting = []

    def take(self):
        ready = self._ready or self._ctl.submit(Vhost().create)
        self._ready = self._ctl.submit(Vhost().create)
        return ready.result()

    def give_back(self, vhost):
        self._deleting.append(self._ctl.submit(vhost.delete))

    def close(self):
        """Delete the one made ahead (if it could be made) and wait for every deletion; raises the first that failed."""
        if self._ready is not None and self._ready.exception() is None:
            self.give_back(self._ready.result())
        self._ready = None
        deleting, self._deleting = self._deleting, []
        self._ctl.shutdown(wait=True)
        for future in deleting:
            future.result()
