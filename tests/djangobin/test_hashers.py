"""djangobin/hashers.py: Django's PBKDF2, derived in a low-priority thread so a burst of sign-ups yields to views."""

import os
import threading

import pytest
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.test import override_settings

from djangobin.hashers import NICENESS, BackgroundPBKDF2PasswordHasher

pytestmark = pytest.mark.one_database


class FastBackground(BackgroundPBKDF2PasswordHasher):
    iterations = 1000  # the pool's behaviour, not the cost, is under test


class FastDjango(PBKDF2PasswordHasher):
    iterations = 1000


def test_the_production_settings_hash_new_passwords_with_it():
    from django_project import settings

    assert settings.PASSWORD_HASHERS[0] == "djangobin.hashers.BackgroundPBKDF2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" not in settings.PASSWORD_HASHERS  # one per algorithm


def test_its_hashes_and_djangos_verify_each_other():
    ours, django = FastBackground(), FastDjango()

    assert django.verify("a fine password", ours.encode("a fine password", ours.salt()))
    assert ours.verify("a fine password", django.encode("a fine password", django.salt()))
    assert not ours.verify("another password", django.encode("a fine password", django.salt()))


def test_the_key_derivation_runs_in_another_thread_at_a_lower_cpu_priority(monkeypatch):
    seen = []
    derive = django_hashers.pbkdf2

    def recording_pbkdf2(*args, **kwargs):
        thread = threading.get_native_id()
        seen.append((thread, os.getpriority(os.PRIO_PROCESS, thread)))
        return derive(*args, **kwargs)

    monkeypatch.setattr(django_hashers, "pbkdf2", recording_pbkdf2)
    caller = threading.get_native_id()
    hasher = FastBackground()

    hasher.verify("a fine password", hasher.encode("a fine password", hasher.salt()))

    assert len(seen) == 2
    assert {thread for thread, _ in seen} != {caller}
    assert {priority for _, priority in seen} == {os.getpriority(os.PRIO_PROCESS, caller) + NICENESS}
    assert os.getpriority(os.PRIO_PROCESS, caller) < NICENESS  # the request's own thread is left as it was


@override_settings(PASSWORD_HASHERS=["tests.djangobin.test_hashers.FastBackground"])
def test_a_password_set_through_django_is_checked_through_it():
    encoded = make_password("a fine password")

    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert check_password("a fine password", encoded)
