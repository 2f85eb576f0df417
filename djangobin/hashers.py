"""The password hasher: Django's PBKDF2, its key derivation run in one low-priority thread of each web process,
with a bounded queue.

A password hash is slow on purpose, and sign-ups and logins come in bursts. Computed in the request's own thread,
a burst takes every core at the priority of page views and stalls them all. Here each process hands the derivation
to its one hashing thread, whose CPU priority is lowered (Linux gives each thread its own nice value): hashes run on
the CPU that page views leave free, and the derivation releases the GIL, so a gthread worker's other threads keep
serving meanwhile. A request waiting for its hash still holds its thread, so at most PASSWORD_HASH_QUEUE of them
wait per process; one more is refused at once (HashingBusy, a 503 page: djangobin/middleware.py) rather than take
the threads page views need.
"""

import contextlib
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

# How far below page views the hashing thread runs: on a busy core the scheduler gives it a small share.
NICENESS = 10


class HashingBusy(Exception):
    """This process already has PASSWORD_HASH_QUEUE requests waiting for a password hash."""


def _lower_priority() -> None:
    # Without the right to change it (another OS), hashing runs at the process's priority, as Django's hasher does.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


# Started in each process at its first hash (gunicorn forks its workers before any), so never shared by a fork.
_hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hash", initializer=_lower_priority)


@functools.cache  # one per process, made at its first hash (settings are read by then)
def _queue() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(settings.PASSWORD_HASH_QUEUE)


class BackgroundPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256, computed in the process's low-priority hashing thread.

    Same algorithm name and encoding, so stored hashes verify either way and Django's own hasher may replace it.
    `verify` and `harden_runtime` call `encode`, so checking a password queues the same way as setting one."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        places = _queue()
        if not places.acquire(blocking=False):
            raise HashingBusy
        try:
            return _hashing.submit(super().encode, password, salt, iterations).result()
        finally:
            places.release()
