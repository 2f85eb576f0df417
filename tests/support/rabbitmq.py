"""A RabbitMQ virtual host of the test run's own, so tests never eat (or feed) a developer's messages."""

import json
import os
import subprocess
import tempfile
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
        vhosts_create([self])
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


def vhosts_create(vhosts):
    """Make `vhosts`, each with every permission for guest, in one `rabbitmqctl import_definitions`: each call starts
    an Erlang VM (about half a CPU second), and `add_vhost` and `set_permissions` took two a virtual host."""
    definitions = {
        "vhosts": [{"name": vhost.name} for vhost in vhosts],
        "permissions": [
            {"user": "guest", "vhost": vhost.name, "configure": ".*", "write": ".*", "read": ".*"} for vhost in vhosts
        ],
    }
    with tempfile.NamedTemporaryFile("w", prefix="djangobin-vhosts-", suffix=".json") as file:
        os.chmod(file.name, 0o644)  # Debian's rabbitmqctl reads it as the rabbitmq user (this version takes no stdin)
        json.dump(definitions, file)
        file.flush()
        _ctl("import_definitions", file.name)


class VhostPool:
    """Hands each test a fresh virtual host, made ahead in batches while tests run, and deletes it after the test
    while the next one runs. The batches are as large as the tests still to come need (`needed`, counted at the
    start), at most BATCH: a virtual host made for nothing would cost a deletion."""

    BATCH = 8

    def __init__(self, needed):
        # Two threads, so that a deletion never holds up the next batch.
        self._ctl = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vhosts")
        self._needed = needed
        self._stock = []
        self._next = None
        self._deleting = []

    def _made(self):
        """A batch for the tests still to come (one at least: a test the count missed still gets its own)."""
        batch = [Vhost() for _ in range(max(1, min(self.BATCH, self._needed)))]
        self._needed -= len(batch)

        def make():
            vhosts_create(batch)
            return batch

        return self._ctl.submit(make)

    def take(self):
        if not self._stock:
            batch, self._next = self._next or self._made(), None
            self._stock = batch.result()
        vhost = self._stock.pop()
        if not self._stock and self._needed > 0:
            self._next = self._made()  # ready by the next test
        return vhost

    def give_back(self, vhost):
        self._deleting.append(self._ctl.submit(vhost.delete))

    def close(self):
        """Delete those made ahead and not taken (tests skipped at run time) and wait for every deletion; raises the
        first that failed."""
        unused = list(self._stock)
        if self._next is not None and self._next.exception() is None:
            unused += self._next.result()
        self._stock, self._next = [], None
        for vhost in unused:
            self.give_back(vhost)
        deleting, self._deleting = self._deleting, []
        self._ctl.shutdown(wait=True)
        for future in deleting:
            future.result()
