"""The jobs the project needs to work, declared once: each becomes a `PeriodicJob` row, marked required.

A required job cannot be deleted, only rescheduled or paused. Its crontab setting only seeds the row: the row is
created from it when missing (by migration 0003 for the first two, by `required_jobs_ensure` after every
`migrate` for any declared later), and never overwritten, so an operator's edits survive deploys.

To add one: a `RequiredJob` line below, its actor path in `actors/paths.py`, and its `SCHEDULER_*_CRON` setting.
"""

from dataclasses import dataclass

from django.conf import settings

from actors import paths as actors


@dataclass(frozen=True)
class RequiredJob:
    name: str
    actor_path: str  # from actors/paths.py, checked by `manage.py check` (actors.E001)
    setting: str  # the setting holding the crontab the row is created with
    description: str

    @property
    def actor(self):
        """The actor's name, as a worker and the job row know it."""
        return self.actor_path.rsplit(".", 1)[1]

    @property
    def crontab(self):
        return getattr(settings, self.setting)


REQUIRED_JOBS = (
    RequiredJob(
        name="remove_snippets",
        actor_path=actors.REMOVE_SNIPPETS,
        setting="SCHEDULER_PURGE_CRON",
        description="Deletes expired snippets, unused tags and accounts never activated.",
    ),
    RequiredJob(
        name="remove_expired_snippets",
        actor_path=actors.REMOVE_EXPIRED_SNIPPETS,
        setting="SCHEDULER_EXPIRE_CRON",
        description="Deletes snippets past their expiry, so a short-lived paste leaves the database within minutes.",
    ),
    RequiredJob(
        name="prune_task_history",
        actor_path=actors.PRUNE_TASK_HISTORY,
        setting="SCHEDULER_PRUNE_CRON",
        description="Deletes task history older than TASKHISTORY_RETENTION_DAYS.",
    ),
)


def required_jobs_ensure() -> list[str]:
    """Create the rows of the required jobs that have none (from their settings); returns the names created.

    Runs after every `migrate` (`apps.py`). An existing row, edited or not, is left as it is; a row of that name
    that is not yet marked required is marked so.
    """
    from .models import PeriodicJob
    from .services import job_create

    created = []
    for declared in REQUIRED_JOBS:
        existing = PeriodicJob.objects.filter(name=declared.name)
        if existing.exists():
            existing.filter(required=False).update(required=True)
            continue
        job_create(
            name=declared.name,
            actor=declared.actor,
            kind=PeriodicJob.Kind.CRONTAB,
            crontab=declared.crontab,
            timezone=settings.TIME_ZONE,
            description=declared.description,
            required=True,
        )
        created.append(declared.name)
    return created
