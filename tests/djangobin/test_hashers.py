"""djangobin/hashers.py: Django's PBKDF2, derived in a low-priority thread with a bounded queue, so a burst of
sign-ups yields to page views; a request finding the queue full gets a 503 page."""

import os
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.test import override_settings
from django.urls import reverse

from djangobin import hashers
from djangobin.hashers import NICENESS, BackgroundPBKDF2PasswordHasher, HashingBusy
from tests.djangobin.helpers import PASSWORD

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


@pytest.fixture
def full_queue(monkeypatch):
    """This process's password-hash queue with no place left."""
    places = threading.BoundedSemaphore(1)
    places.acquire()
    monkeypatch.setattr(hashers, "_queue", lambda: places)
    return places


def test_a_hash_asked_for_while_the_queue_is_full_is_refused_at_once(full_queue):
    hasher = FastBackground()

    with pytest.raises(HashingBusy):
        hasher.encode("a fine password", hasher.salt())

    full_queue.release()
    assert hasher.verify("a fine password", hasher.encode("a fine password", hasher.salt()))
    assert full_queue.acquire(blocking=False)  # the place it took was given back


def test_a_hash_that_fails_gives_its_place_back(monkeypatch):
    places = threading.BoundedSemaphore(1)
    monkeypatch.setattr(hashers, "_queue", lambda: places)
    hasher = FastBackground()

    with pytest.raises(ValueError, match="salt"):
        hasher.encode("a fine password", "salt with a $ sign")
    assert hasher.verify("a fine password", hasher.encode("a fine password", hasher.salt()))


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["tests.djangobin.test_hashers.FastBackground"])
def test_a_sign_up_that_finds_the_queue_full_gets_a_503_page_and_creates_nothing(
    client, queued, django_capture_on_commit_callbacks, full_queue
):
    data = {"username": "bob", "email": "bob@example.com", "password1": PASSWORD, "password2": PASSWORD}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("djangobin:signup"), data)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in response.content.decode()
    assert not get_user_model().objects.filter(username="bob").exists()
    assert queued("mail") == []
