"""Accounts never activated within their activation window are deleted by the nightly purge, and only they."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from djangobin.services.accounts import users_never_activated_delete
from tests.factories import make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


def joined(user, ago):
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - ago)
    return user


@pytest.fixture
def window(settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    return timedelta(seconds=3600)


def test_the_purge_deletes_an_account_never_activated_once_its_activation_window_has_passed(window):
    stale = joined(make_user(is_active=False), window + timedelta(seconds=1))
    fresh = joined(make_user(is_active=False), window - timedelta(minutes=1))

    assert users_never_activated_delete() == 1

    assert list(User.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not User.objects.filter(pk=stale.pk).exists()


def test_the_purge_never_deletes_an_activated_account_nor_one_an_admin_deactivated(window):
    active = joined(make_user(), window * 10)
    deactivated = joined(make_user(), window * 10)
    deactivated.is_active = False
    deactivated.save()

    assert users_never_activated_delete() == 0

    assert sorted(User.objects.values_list("pk", flat=True)) == [active.pk, deactivated.pk]


def test_the_purge_of_accounts_goes_in_batches_and_deletes_nothing_twice(window):
    stale = [joined(make_user(is_active=False), window * 2) for _ in range(5)]
    kept = make_user()

    assert users_never_activated_delete(batch_size=2) == len(stale)
    assert users_never_activated_delete(batch_size=2) == 0

    assert list(User.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_purge_takes_the_time_it_is_given_as_now(window):
    account = make_user(is_active=False)

    assert users_never_activated_delete(now=timezone.now() + window - timedelta(minutes=1)) == 0
    assert users_never_activated_delete(now=timezone.now() + window + timedelta(minutes=1)) == 1
    assert not User.objects.filter(pk=account.pk).exists()
