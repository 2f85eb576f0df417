"""`manage.py rabbitmq_queues_redeclare`: re-create djangobin's RabbitMQ queues as the settings declare them."""

import importlib
import importlib.util

import dramatiq
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from delivery.queue_moves import QueueInUse, queues_redeclare


def _discover_actors():
    """Import every actors module, as `rundramatiq` does, so that the broker knows every queue."""
    for app in apps.get_app_configs():
        for module in settings.DRAMATIQ_AUTODISCOVER_MODULES:
            name = f"{app.name}.{module}"
            if importlib.util.find_spec(app.name) and importlib.util.find_spec(name):
                importlib.import_module(name)


class Command(BaseCommand):
    help = (
        "Re-create each Dramatiq queue (and its .DQ and .XQ) that RabbitMQ holds with another type or other "
        "arguments than the settings declare (RABBITMQ_QUEUE_TYPE, RABBITMQ_DELIVERY_LIMIT), moving its messages "
        "with publisher confirms. Stop every worker first; web processes may keep running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", dest="queues", help="Only this queue (repeatable).")

    def handle(self, *args, queues, **options):
        broker = dramatiq.get_broker()
        if not hasattr(broker, "queue_declarations"):
            raise CommandError("DRAMATIQ_BROKER is not delivery.broker.RabbitmqBroker: nothing to re-create.")
        if not queues:
            _discover_actors()
            queues = sorted(broker.get_declared_queues())
        try:
            results = queues_redeclare(broker=broker, queue_names=queues)
        except QueueInUse as error:
            raise CommandError(str(error)) from None
        for name, moved in results.items():
            state = "already as declared" if moved is None else f"re-created, {moved} message(s) moved"
            self.stdout.write(f"{name}: {state}")
        self.stdout.write(f"Queues are {broker.queue_type} queues now.")
