"""The scheduler's state in the database: the jobs, the run ledger, the leader's lease and each daemon's heartbeat.

These are what operators and the dashboard read and write: `PeriodicJob` is what runs when (edited at runtime
through `services.py`, never by hand), `JobRun` answers "when did the purge last run, and how late?",
`SchedulerHeartbeat` answers "is a scheduler alive, and which one leads?".
"""

from django.db import models


class PeriodicJob(models.Model):
    """A job: which actor to send, with which arguments, on which schedule. Written only through `services.py`.

    Every write goes through the services, which validate the row (a row the daemon cannot run is never saved),
    bump `version` and `JobsRevision`, and withdraw the fire times registered under the old schedule. The daemon
    notices the revision (or a PostgreSQL NOTIFY) within a second and re-reads the jobs; a daemon still holding an
    older `version` can no longer claim a run of the job (`services.job_run_claim`).

    `JobRun.job` holds the job's name rather than a foreign key: the ledger of a deleted job stays readable, the
    ledger's unique (job, fire time) constraint is unchanged, and a rename moves the job's runs with it.
    """

    class Kind(models.TextChoices):
        CRONTAB = "crontab", "Crontab"
        INTERVAL = "interval", "Fixed interval"
        ONE_OFF = "one_off", "One-off"

    class CatchUp(models.TextChoices):
        ONCE = "once", "Run once for all missed fire times"
        SKIP = "skip", "Skip missed fire times"

    name = models.CharField(max_length=100, unique=True)
    actor = models.CharField(max_length=100, help_text="The name of a registered Dramatiq actor.")
    args = models.JSONField(default=list, blank=True, help_text="Positional arguments: a JSON list.")
    kwargs = models.JSONField(default=dict, blank=True, help_text="Keyword arguments: a JSON object.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CRONTAB)
    crontab = models.CharField(max_length=200, blank=True, help_text="Five fields: minute hour day month weekday.")
    timezone = models.CharField(max_length=64, blank=True, help_text="The IANA zone the crontab reads.")
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    anchor_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Interval: fire times are this moment plus whole intervals.",
    )
    run_at = models.DateTimeField(null=True, blank=True, help_text="One-off: the moment it fires.")
    enabled = models.BooleanField(default=True)
    start_at = models.DateTimeField(null=True, blank=True, help_text="No fire time before this moment.")
    end_at = models.DateTimeField(null=True, blank=True, help_text="No fire time after this moment.")
    catch_up = models.CharField(max_length=4, choices=CatchUp.choices, default=CatchUp.ONCE)
    description = models.TextField(blank=True)
    required = models.BooleanField(default=False, help_text="Needed by the project: reschedule or pause it only.")
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every change; a daemon claims under one.")
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["enabled"], name="scheduler_job_enabled")]

    def __str__(self):
        return self.name

    @property
    def schedule(self):
        """The schedule in words, as `runscheduler --list` and the pages print it."""
        if self.kind == self.Kind.CRONTAB:
            return f"{self.crontab} ({self.timezone})"
        if self.kind == self.Kind.INTERVAL:
            return f"every {self.interval_seconds} s"
        return f"once at {self.run_at:%Y-%m-%d %H:%M:%S %Z}" if self.run_at else "once"


class JobsRevision(models.Model):
    """One row whose counter every change to the jobs bumps: the daemon's cheap check for "did anything change?".

    A primary-key read a second costs the database nothing whatever the number of jobs; on PostgreSQL a NOTIFY
    wakes the daemon at once and this read is only the safety net.
    """

    revision = models.BigIntegerField(default=0)

    def __str__(self):
        return f"jobs revision {self.revision}"


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
        SKIPPED = "skipped", "Skipped"  # missed, and a later fire time ran instead, or the job's policy skips it
        FAILED = "failed", "Failed"  # a permanent error (the actor or its arguments are gone): not retried

    PENDING = (Outcome.SCHEDULED, Outcome.RETRYING)

    job = models.CharField(max_length=100)
    fire_time = models.DateTimeField(help_text="When the schedule said to run; for a manual run, when it was asked.")
    manual = models.BooleanField(default=False, help_text="Run now by an operator, not by the schedule.")
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
        indexes = [
            models.Index(fields=["job", "outcome"], name="scheduler_jobrun_job_outcome"),
            models.Index(fields=["outcome", "fire_time"], name="scheduler_jobrun_due"),  # the daemon's sweep
        ]

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
