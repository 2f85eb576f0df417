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
