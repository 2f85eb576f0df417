"""Dramatiq middleware of the delivery app. Loaded with the broker, before Django's apps are ready: no model imports."""

from dramatiq.middleware import Middleware


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
