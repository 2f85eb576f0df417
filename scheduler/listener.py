"""PostgreSQL's LISTEN/NOTIFY for the daemon: a job change wakes it at once instead of at its next check.

`services._job_changed` sends `NOTIFY scheduler_jobs` inside the change's transaction, so the notification goes out
at commit and never for a rollback. The listener holds a connection of its own (Django's connections belong to
the threads that run the steps) and reconnects after an error; while it is down the daemon checks the jobs'
revision every second instead.
"""

import logging
import threading

import psycopg
from django.db import connections

from .services import NOTIFY_CHANNEL

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 2.0
WAIT_SECONDS = 0.5  # how often the loop looks at its stop flag while no notification comes


class JobsListener(threading.Thread):
    """Calls `on_change()` for every notification on `NOTIFY_CHANNEL`; `listening` is True while connected."""

    def __init__(self, on_change, *, alias="default"):
        super().__init__(name="scheduler-listen", daemon=True)
        self.on_change = on_change
        self.alias = alias
        self.listening = False
        self.stopped = threading.Event()

    def stop(self):
        self.stopped.set()

    def run(self):
        while not self.stopped.is_set():
            try:
                self._listen()
            except (psycopg.Error, OSError) as error:
                if self.listening:
                    logger.warning("Lost the LISTEN connection (%s); checking the jobs every second.", error)
                self.listening = False
                self.stopped.wait(RECONNECT_SECONDS)

    def _listen(self):
        params = connections[self.alias].get_connection_params()
        with psycopg.connect(**params, autocommit=True) as connection:
            connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.listening = True
            self.on_change()  # anything changed while it was not listening is read now
            while not self.stopped.is_set():
                for _ in connection.notifies(timeout=WAIT_SECONDS, stop_after=1):
                    self.on_change()
        self.listening = False
