"""Dramatiq middleware of djangobin's own. Loaded with the broker, before Django's apps are ready: no model imports."""

import logging
import threading
import time

from django import db
from django_dramatiq.middleware import DbConnectionsMiddleware
from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)


class ActorListing(Middleware):
    """Log the actors a worker process serves once it has booted.

    `rundramatiq` prints only the modules it discovered; this line names every actor, so an operator (and a
    test) can see that none went missing.
    """

    def after_worker_boot(self, broker, worker):
        logger.info("Declared actors: %s.", ", ".join(sorted(broker.get_declared_actors())))


class MailConnections(Middleware):
    """Close each worker thread's kept SMTP connection (djangobin.mail_connection) when the thread stops."""

    def before_worker_thread_shutdown(self, broker, thread):
        from djangobin.mail_connection import mail_connection_close

        mail_connection_close()


class DbConnections(DbConnectionsMiddleware):
    """django_dramatiq's DbConnectionsMiddleware, with a kept connection's health checked only after it sat idle.

    Around every message it calls `close_old_connections()`, after which Django checks a kept connection before its
    next query (CONN_HEALTH_CHECKS): on PostgreSQL a `SELECT 1` round trip per message. A connection that served a
    message without error less than FRESH_SECONDS ago was closed after it if it had to be, so the next message skips
    both the call and the check: should the server drop it in that moment, the message's first query fails, the
    attempt is retried, and the failed connection is closed after it.
    """

    FRESH_SECONDS = 1.0

    def __init__(self):
        self._used = threading.local()

    def before_process_message(self, broker, message):
        if time.monotonic() - getattr(self._used, "at", float("-inf")) >= self.FRESH_SECONDS:
            super().before_process_message(broker, message)
            return
        for connection in db.connections.all(initialized_only=True):
            connection.health_check_done = True

    def after_process_message(self, broker, message, *, result=None, exception=None):
        super().after_process_message(broker, message, result=result, exception=exception)
        self._used.at = time.monotonic()
