"""Dramatiq middleware of djangobin's own. Loaded with the broker, before Django's apps are ready: no model imports."""

import logging

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
