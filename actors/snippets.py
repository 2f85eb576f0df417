"""Snippet maintenance actors."""

import dramatiq

from djangobin.services.accounts import users_never_activated_delete
from djangobin.services.purge import snippets_expired_delete
from djangobin.services.tags import tags_unused_delete


@dramatiq.actor(queue_name="maintenance", max_retries=3, min_backoff=60_000, max_backoff=600_000, time_limit=1_200_000)
def remove_snippets():
    """Delete every snippet past its expiry time (the nightly purge), then the tags no snippet carries any more, then
    the accounts never activated within their activation window; safe to run any number of times."""
    snippets_expired_delete()
    tags_unused_delete()
    users_never_activated_delete()


# A failed sweep is retried once soon; the next sweep, minutes later, does the rest. Its time limit ends a sweep
# that fell far behind before the next few pile up behind it: each batch is committed, so nothing is lost.
@dramatiq.actor(queue_name="maintenance", max_retries=1, min_backoff=30_000, max_backoff=60_000, time_limit=600_000)
def remove_expired_snippets() -> None:
    """Delete the snippets past their expiry time (run every few minutes, so a 10-minute paste leaves the database
    soon after it expires); one indexed query when none has expired; safe to run any number of times."""
    snippets_expired_delete()
