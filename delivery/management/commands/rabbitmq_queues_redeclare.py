"""`manage.py rabbitmq_queues_redeclare`: re-create djangobin's RabbitMQ queues as the settings declare them."""

import importlib
import io

import dramatiq
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext
from django_dramatiq.management.commands.rundramatiq import Command as RunDramatiq

from delivery.queue_moves import PublishersRunning, QueueInUse, queues_redeclare


def _discover_actors():
    """Import every actors module `rundramatiq` imports (django_dramatiq's own tasks, on queue `default`, too), so
    that the broker knows every queue a worker declares."""
    for module in RunDramatiq(stdout=io.StringIO()).discover_tasks_modules():
        importlib.import_module(module)


class Command(BaseCommand):
    help = (
        "Re-create each Dramatiq queue (and its .DQ and .XQ) that RabbitMQ holds with another type or other "
        "arguments than the settings declare (RABBITMQ_QUEUE_TYPE, RABBITMQ_DELIVERY_LIMIT), moving its messages "
        "with publisher confirms. Stop every worker first. Web processes and the scheduler may keep running while "
        "classic queues are re-created (the switch to quorum): what they send waits in the outbox or is moved too. "
        "Re-creating a quorum queue (back to classic, or a new delivery limit) needs them stopped as well: the "
        "command refuses it unless --publishers-stopped says so."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", dest="queues", help="Only this queue (repeatable).")
        parser.add_argument(
            "--publishers-stopped",
            action="store_true",
            help="Every web process and the scheduler is stopped: allows re-creating quorum queues, which RabbitMQ "
            "cannot delete only if empty.",
        )

    def handle(self, *args, queues, publishers_stopped, **options):
        broker = dramatiq.get_broker()
        if not hasattr(broker, "queue_declarations"):
            raise CommandError("DRAMATIQ_BROKER is not delivery.broker.RabbitmqBroker: nothing to re-create.")
        if not queues:
            _discover_actors()
            queues = sorted(broker.get_declared_queues())
        try:
            results = queues_redeclare(broker=broker, queue_names=queues, publishers_stopped=publishers_stopped)
        except (QueueInUse, PublishersRunning) as error:
            raise CommandError(str(error)) from None
        for name, moved in results.items():
            state = (
                "already as declared"
                if moved is None
                else f"re-created, {moved} {ngettext('message', 'messages', moved)} moved"
            )
            self.stdout.write(f"{name}: {state}")
        self.stdout.write(f"Queues are {broker.queue_type} queues now.")
