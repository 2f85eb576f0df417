"""A job's Dramatiq message, built from its row when it is due: the one place a job becomes a message."""

import dramatiq

from delivery import registry

from .models import PeriodicJob


def job_message(job: PeriodicJob, *, message_id: str = "") -> dramatiq.Message:
    """The message of `job` with its args and kwargs; a retry passes the first attempt's `message_id` to reuse it.

    The actor modules are imported here, when a message is due, never at Django start-up. `ActorNotFound` when the
    actor is gone (a deploy removed it): a permanent error, which the daemon records once and does not retry.
    """
    actor = registry.actor_get(job.actor)
    message = actor.message_with_options(args=tuple(job.args), kwargs=dict(job.kwargs))
    return message.copy(message_id=message_id) if message_id else message
