"""Every scheduled job, in one place: its name, its crontab expression and the Dramatiq actor it enqueues.

A job only enqueues a message: the work runs in a worker. Cron expressions are read from settings (so a
deployment can move the purge) and evaluated on the wall clock of `TIME_ZONE`.
"""

from dataclasses import dataclass

from django.conf import settings

from actors import paths as actors

from .cron import CrontabTrigger


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    actor: str  # dotted path of an actor under actors/, imported only when the message is sent
    setting: str  # the setting that holds `cron`, named in error messages

    def trigger(self):
        return CrontabTrigger(self.cron, settings.TIME_ZONE)


def declared_jobs():
    """The jobs, built from the current settings."""
    return [
        Job(
            name="remove_snippets",
            cron=settings.SCHEDULER_PURGE_CRON,
            actor=actors.REMOVE_SNIPPETS,
            setting="SCHEDULER_PURGE_CRON",
        ),
        Job(
            name="remove_expired_snippets",
            cron=settings.SCHEDULER_EXPIRE_CRON,
            actor=actors.REMOVE_EXPIRED_SNIPPETS,
            setting="SCHEDULER_EXPIRE_CRON",
        ),
        Job(
            name="prune_task_history",
            cron=settings.SCHEDULER_PRUNE_CRON,
            actor=actors.PRUNE_TASK_HISTORY,
            setting="SCHEDULER_PRUNE_CRON",
        ),
    ]


def job_get(name):
    """The declared job called `name`; KeyError naming the known jobs otherwise."""
    jobs = {job.name: job for job in declared_jobs()}
    if name not in jobs:
        raise KeyError(f"no job {name!r}; the jobs are: {', '.join(sorted(jobs))}")
    return jobs[name]
