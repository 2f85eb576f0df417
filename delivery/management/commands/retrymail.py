"""`manage.py retrymail`: put mail that failed for good back on the mail queue, once its cause is fixed."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from delivery import registry
from delivery.queues import dead_letters_list, dead_letters_requeue


class Command(BaseCommand):
    help = (
        "Requeue the mail queue's dead letters (mail that failed permanently or ran out of retries; RabbitMQ "
        "keeps them 7 days) with a fresh retry count. --list shows them without moving them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="mail", help="The Dramatiq queue (default: mail).")
        parser.add_argument("--list", action="store_true", dest="list_only", help="Only list the dead messages.")

    def handle(self, *args, queue, list_only, **options):
        registry.actors()  # declares every actor on the broker, so the dead letters' actor names resolve

        if list_only:
            messages = dead_letters_list(queue_name=queue)
            for message in messages:
                self.stdout.write(f"{message.message_id}  {message.actor_name}{tuple(message.args)!r}")
            self.stdout.write(f"{len(messages)} dead {ngettext('message', 'messages', len(messages))} in {queue}.XQ.")
            return
        moved = dead_letters_requeue(queue_name=queue)
        self.stdout.write(
            f"Requeued {moved} dead {ngettext('message', 'messages', moved)} from {queue}.XQ onto {queue}."
        )
