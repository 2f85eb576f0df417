"""Dramatiq middleware of the delivery app. Loaded with the broker, before Django's apps are ready: no model imports."""

import logging

from dramatiq.middleware import Middleware, MiddlewareError

logger = logging.getLogger(__name__)


class OutboxRelay(Middleware):
    """Run the outbox relay (delivery.relay.Relay) in every worker process, from boot to shutdown."""

    def __init__(self):
        self.relay = None

    def after_worker_boot(self, broker, worker):
        from delivery.relay import Relay

        self.relay = Relay()
        self.relay.start()

    def before_worker_shutdown(self, broker, worker):
        if self.relay is not None:
            self.relay.stop()
            self.relay.join(timeout=15)


class QueueCheck(Middleware):
    """Stop a worker at start-up when a queue in RabbitMQ has another type than the settings declare.

    Otherwise each consumer would log the same error every few seconds and never consume. RabbitMQ being down
    is no reason to stop: the consumers keep reconnecting, as they always do.
    """

    def before_worker_boot(self, broker, worker):
        from dramatiq.errors import BrokerConnectionError

        from delivery.broker import QueueMismatch

        if not hasattr(broker, "queues_check"):
            return  # the StubBroker of unit tests
        try:
            broker.queues_check()
        except BrokerConnectionError:
            pass
        except QueueMismatch as error:
            logger.critical("%s", error)
            raise MiddlewareError(str(error)) from None  # the one error dramatiq lets stop a worker's boot
