from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from actors.snippets import remove_expired_snippets, remove_snippets
from djangobin.expiration import Expiration
from djangobin.models import Snippet, Tag
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


def test_remove_snippets_deletes_what_has_expired_and_nothing_else():
    gone = make_snippet(expiration=Expiration.WEEK)
    kept = make_snippet(expiration=Expiration.WEEK)
    Snippet.objects.filter(pk=gone.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    remove_snippets.fn()
    assert list(Snippet.objects.values_list("pk", flat=True)) == [kept.pk]


def test_remove_snippets_runs_on_its_own_queue_so_a_long_purge_never_delays_mail():
    assert remove_snippets.queue_name == "maintenance"


def test_remove_snippets_also_deletes_the_tags_no_snippet_carries_any_more():
    gone = make_snippet(expiration=Expiration.WEEK, tags=["only-on-the-expired", "shared"])
    make_snippet(tags=["shared"])
    make_snippet(tags=["on-a-private-one"], exposure="private", user=make_user())
    Snippet.objects.filter(pk=gone.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    remove_snippets.fn()

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["on-a-private-one", "shared"]


def test_remove_snippets_also_deletes_the_accounts_never_activated_within_their_activation_window(settings):
    stale = make_user(is_active=False)
    get_user_model().objects.filter(pk=stale.pk).update(
        date_joined=timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    )
    fresh = make_user(is_active=False)

    remove_snippets.fn()

    assert list(get_user_model().objects.values_list("pk", flat=True)) == [fresh.pk]


def test_remove_expired_snippets_deletes_the_expired_ones_only_and_leaves_tags_and_accounts_to_the_nightly_purge(
    settings,
):
    pending = make_user(is_active=False)
    get_user_model().objects.filter(pk=pending.pk).update(
        date_joined=timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    )
    short = make_snippet(expiration=Expiration.TEN_MINUTES, tags=["once"])
    day = make_snippet(expiration=Expiration.DAY)
    forever = make_snippet(expiration=Expiration.NEVER)
    Snippet.objects.filter(pk=short.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    remove_expired_snippets.fn()
    remove_expired_snippets.fn()  # a second sweep finds nothing to do

    assert set(Snippet.objects.values_list("pk", flat=True)) == {day.pk, forever.pk}
    assert Tag.objects.filter(name="once").exists()
    assert get_user_model().objects.filter(pk=pending.pk).exists()


def test_remove_expired_snippets_runs_on_the_maintenance_queue_and_retries_at_most_once_soon():
    assert remove_expired_snippets.queue_name == "maintenance"
    assert remove_expired_snippets.options["max_retries"] == 1
