"""Data migrations: what they do to rows that existed before them."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from djangobin.models import Author
from tests.factories import make_user

pytestmark = pytest.mark.django_db

activated_at_migration = importlib.import_module("djangobin.migrations.0003_author_activated_at")


def test_accounts_that_were_active_or_logged_in_count_as_activated_and_pending_ones_do_not():
    active = make_user()
    deactivated_after_a_login = make_user(is_active=False, last_login=timezone.now())
    pending = make_user(is_active=False)
    Author.objects.update(activated_at=None)
    Author.objects.filter(user=active).delete()  # an account from before every user had a profile

    activated_at_migration.record_existing_activations(apps, None)

    assert Author.objects.get(user=active).activated_at == active.date_joined
    assert Author.objects.get(user=deactivated_after_a_login).activated_at is not None
    assert Author.objects.get(user=pending).activated_at is None
