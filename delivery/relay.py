"""The outbox relay: a thread in each worker process that publishes messages RabbitMQ could not take at once.

Why in the workers: they are the processes that must run for any message to be processed at all (so the
relay runs wherever delivery can happen, with `make run` and in production alike), they already hold the
broker configuration, and several of them are safe because every row is claimed with a conditional UPDATE.
"""

import logging
import threading
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# Keep delivered-message records well past the longest time a message can still be redelivered: mail
# retries span about 1 h 15 min and dead letters are kept 7 days.
LEDGER_KEEP = timedelta(days=30)


class Relay(threading.Thread):
    def __init__(self, *, interval=1.0, max_backoff=10.0, prune_every=3600.0):
        super().__init__(name="outbox-relay", daemon=True)
        self.interval = interval
        self.max_backoff = max_backoff
        self.prune_every = prune_every
        self._stopping = threading.Event()

    def stop(self):
        self._stopping.set()

    def run(self):
        logger.info("Outbox relay started.")
        delay = self.interval
        since_prune = self.prune_every
        while not self._stopping.wait(delay):
            failed = self.step()
            delay = min(delay * 2, self.max_backoff) if failed else self.interval
            since_prune += delay
            if since_prune >= self.prune_every:
                since_prune = 0.0
                self.prune()
        logger.info("Outbox relay stopped.")

    def step(self):
        from delivery.outbox import outbox_relay_once

        try:
            _, failed = outbox_relay_once()
        except Exception:
            logger.exception("Outbox relay pass failed; trying again shortly.")
            failed = True
        finally:
            close_old_connections()
        return failed

    def prune(self):
        from delivery.ledger import delivered_prune

        try:
            delivered_prune(older_than=timezone.now() - LEDGER_KEEP)
        except Exception:
            logger.exception("Pruning the delivery ledger failed.")
        finally:
            close_old_connections()
