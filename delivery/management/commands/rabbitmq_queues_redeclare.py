"""`manage.py rabbitmq_queues_redeclare`: re-create djangobin's RabbitMQ queues as the settings declare them."""

import importlib
import io

import dramatiq
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext
from django_dramatiq.management.commands.rundramatiq import Command as RunDramatiq

from delivery.queue_moves import OldPublishersRunning, QueueInUse, queues_redeclare


def _discover_actors():
    """Import every actors module `rundramatiq` imports (django_dramatiq's own tasks, on queue `default`, too), so
    that the broker knows every queue a worker declares."""
    for module in RunDramatiq(stdout=io.StringIO()).discover_tasks_modules():
        importlib.import_module(module)


class Command(BaseCommand):
    help = (
        "Re-create each Dramatiq queue (and its .DQ and .XQ) that RabbitMQ holds with another type or other "
        "arguments than the settings declare (RABBITMQ_QUEUE_TYPE, RABBITMQ_DELIVERY_LIMIT), moving its messages "
        "with publisher confirms. Stop every worker first, and every web process and the scheduler that still runs "
        "with the old settings (a message published to a queue while it is deleted would be lost): the command "
        "refuses to re-create a queue until --old-publishers-stopped says so. Those with the new settings may keep "
        "running: what they send waits in the outbox until the queues are re-created."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", dest="queues", help="Only this queue (repeatable).")
        parser.add_argument(
            "--old-publishers-stopped",
            action="store_true",
            help="Every web process and the scheduler with the old settings is stopped: allows re-creating queues.",
        )

    def handle(self, *args, queues, old_publishers_stopped, **options):
        broker = dramatiq.get_broker()
        if not hasattr(broker, "queue_declarations"):
            raise CommandError("DRAMATIQ_BROKER is not delivery.broker.RabbitmqBroker: nothing to re-create.")
        if not queues:
            _discover_actors()
            queues = sorted(broker.get_declared_queues())
        try:
            results = queues_redeclare(broker=broker, queue_names=queues, old_publishers_stopped=old_publishers_stopped)
        except (QueueInUse, OldPublishersRunning) as error:
            raise CommandError(str(error)) from None
        for name, moved in results.items():
            state = (
                "already as declared"
                if moved is None
                else f"re-created, {moved} {ngettext('message', 'messages', moved)} moved"
            )
            self.stdout.write(f"{name}: {state}")
        self.stdout.write(f"Queues are {broker.queue_type} queues now.")
