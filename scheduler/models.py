"""The scheduler's state in the database: the run ledger, the leader's lease and each daemon's heartbeat.

These are what operators and the dashboard read: `JobRun` answers "when did the purge last run, and how
late?", `SchedulerHeartbeat` answers "is a scheduler alive, and which one leads?".
"""

from django.db import models


class JobRun(models.Model):
    """The ledger: one row per job and fire time, unique, so that each fire time is enqueued at most once.

    The daemon registers a job's next fire time ahead of it (`scheduled`): that row is also how a restarted
    daemon knows which fire times it missed. When a fire time is due, the leading daemon claims the row
    (a conditional UPDATE that holds only while it holds the lease), sends the job's Dramatiq message and
    records `enqueued`; a failed send is retried with backoff (`retrying`, `attempts`, `last_error`,
    `next_attempt_at`). `enqueued_at - fire_time` is how late the message went out.

    The run's own work happens in a worker: `message_id` links this row to that Dramatiq message.
    """

    class Outcome(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"  # registered ahead of its fire time; nothing sent yet
        RETRYING = "retrying", "Retrying"  # due; a send failed and is retried at next_attempt_at
        ENQUEUED = "enqueued", "Enqueued"  # the message is in RabbitMQ (publisher-confirmed)
        SKIPPED = "skipped", "Skipped"  # missed, and a later fire time of the same job ran instead

    PENDING = (Outcome.SCHEDULED, Outcome.RETRYING)

    job = models.CharField(max_length=100)
    fire_time = models.DateTimeField(help_text="When the schedule said to run; for a manual run, when it was asked.")
    manual = models.BooleanField(default=False, help_text="Started by `runscheduler --run-now`, not by the schedule.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SCHEDULED)
    attempts = models.PositiveIntegerField(default=0, help_text="Send attempts so far.")
    last_error = models.TextField(blank=True, help_text="The latest failed send's error; kept after a later success.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="While due: when the next send may start (backoff, or an attempt in flight)."
    )
    claimed_by = models.CharField(max_length=200, blank=True, help_text="The daemon instance that last claimed it.")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=36, blank=True, help_text="The Dramatiq message id (the same on retries).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fire_time"]
        constraints = [models.UniqueConstraint(fields=["job", "fire_time"], name="scheduler_jobrun_once_per_fire_time")]
        indexes = [models.Index(fields=["job", "outcome"], name="scheduler_jobrun_job_outcome")]

    def __str__(self):
        return f"{self.job} at {self.fire_time:%Y-%m-%d %H:%M %Z}: {self.outcome}"

    @property
    def delay(self):
        """How long after its fire time the message was enqueued; None until it is."""
        return self.enqueued_at - self.fire_time if self.enqueued_at else None


class SchedulerLease(models.Model):
    """The leader's lease: one row; the daemon named in `holder` fires jobs until `expires_at`.

    Taken and renewed with a conditional UPDATE (free, expired, or already ours), so it works the same on
    SQLite and PostgreSQL. The leader renews it every third of its length; a daemon that dies stops
    renewing and another takes over when it expires. A clean stop releases it at once.
    """

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    acquired_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.holder or 'free'}"


class SchedulerHeartbeat(models.Model):
    """One row per daemon process, written at start and at every heartbeat (a third of the lease length).

    `beat_at` older than the lease length means the process is gone; `stopped_at` is set on a clean exit.
    """

    instance = models.CharField(max_length=200, unique=True, help_text="host:pid:random, unique per process start.")
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    leading = models.BooleanField(default=False, help_text="Held the lease at its last heartbeat.")

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self):
        return self.instance
