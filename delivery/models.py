"""What makes a message survive a broker outage (the outbox) and arrive once (the delivery ledger)."""

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Dramatiq message written in the same transaction as the data it is about, deleted once RabbitMQ took it.

    `available_at` is a lease: the process that wrote the row owns it until then (it publishes right after
    commit); after that the relay may claim it. `attempts` counts every publish tried and doubles as the row's
    version for claims; `failures` counts only those that failed because of the row itself (an actor renamed
    away, an argument that cannot be encoded), and after delivery.outbox.PARK_AFTER_FAILURES of them the row is
    parked (`parked_at`): the relay leaves it alone until someone retries it from the dashboard.
    """

    message_id = models.CharField(max_length=36, unique=True)
    actor_path = models.CharField(max_length=200)
    queue_name = models.CharField(max_length=100)
    actor_name = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    message_timestamp = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    parked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.actor_name}{tuple(self.args)!r} ({self.message_id})"


class DeliveredMessage(models.Model):
    """A message a worker is delivering (claimed until `claimed_until`) or has delivered (`delivered_at`).

    A redelivery of a delivered message is skipped; one that arrives while another worker holds the claim
    waits for it; one whose claim ran out (its worker died mid-way) takes the claim over.
    """

    message_id = models.CharField(max_length=36, unique=True)
    actor_name = models.CharField(max_length=100)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"{self.actor_name} {self.message_id}"
