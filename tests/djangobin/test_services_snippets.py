from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from djangobin.expiration import Expiration
from djangobin.models import Exposure, Snippet
from djangobin.services.purge import snippets_expired_delete
from djangobin.services.snippets import snippet_create, snippet_delete, snippet_hit
from tests.factories import make_snippet, make_user, python

pytestmark = pytest.mark.django_db


def test_slugs_are_random_url_safe_and_at_least_eight_characters():
    slugs = {make_snippet().slug for _ in range(20)}
    assert len(slugs) == 20
    for slug in slugs:
        assert len(slug) >= 8
        assert slug.isalnum() and slug.isascii()


def test_slug_uniqueness_is_a_database_constraint():
    assert Snippet._meta.get_field("slug").unique


def test_creating_a_snippet_runs_no_pygments_and_leaves_its_render_to_the_worker(monkeypatch):
    import pygments.lexer

    def refuse(*args, **kwargs):
        raise AssertionError("Pygments ran in the request")

    monkeypatch.setattr(pygments.lexer.Lexer, "get_tokens", refuse)
    snippet = make_snippet(code="x = '<b>'\n")
    assert snippet.render.state == "pending"


def test_expires_at_is_stored_from_the_chosen_expiration():
    snippet = make_snippet(expiration=Expiration.WEEK)
    assert snippet.expires_at == snippet.created_on + timedelta(days=7)
    assert make_snippet(expiration=Expiration.NEVER).expires_at is None


def test_an_exact_lifetime_sets_expires_at_and_is_named_custom_unless_it_is_a_choice():
    snippet = make_snippet(expiration=None, lifetime=timedelta(days=3))
    day = make_snippet(expiration=None, lifetime=timedelta(days=1))

    assert (snippet.expiration, snippet.expires_at - snippet.created_on) == ("custom", timedelta(days=3))
    assert day.expiration == Expiration.DAY


@pytest.mark.parametrize("lifetime", [timedelta(seconds=59), timedelta(days=365, seconds=1), timedelta(0)])
def test_a_lifetime_out_of_bounds_is_refused_by_the_service_too(lifetime):
    with pytest.raises(ValidationError, match="lifetime must be from 60 seconds to 365 days"):
        make_snippet(expiration=None, lifetime=lifetime)
    assert not Snippet.objects.exists()


def test_a_snippet_takes_an_expiration_or_a_lifetime_never_both():
    with pytest.raises(ValueError, match="not both"):
        make_snippet(expiration=Expiration.DAY, lifetime=timedelta(days=1))


def test_anonymous_users_cannot_create_private_snippets():
    with pytest.raises(ValidationError):
        make_snippet(exposure=Exposure.PRIVATE)


def test_an_over_limit_snippet_is_refused_not_truncated(settings):
    settings.SNIPPET_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="the limit is 10 bytes"):
        make_snippet(code="x" * 11)
    assert not Snippet.objects.exists()


def test_a_hit_is_one_atomic_update_that_rewrites_nothing_else():
    snippet = make_snippet()
    with CaptureQueriesContext(connection) as queries:
        snippet_hit(snippet_id=snippet.pk)
        snippet_hit(snippet_id=snippet.pk)
    assert len(queries) == 2
    assert all(q["sql"].startswith("UPDATE") and "original_code" not in q["sql"] for q in queries)
    snippet.refresh_from_db()
    assert snippet.hits == 2


def test_only_the_owner_may_delete_a_snippet():
    owner, other = make_user(), make_user()
    snippet = make_snippet(user=owner)
    with pytest.raises(PermissionDenied):
        snippet_delete(snippet=snippet, user=other)
    snippet_delete(snippet=snippet, user=owner)
    assert not Snippet.objects.filter(pk=snippet.pk).exists()


def test_the_purge_deletes_exactly_the_snippets_past_expires_at_with_their_tag_links():
    now = timezone.now()
    due = make_snippet(expiration=Expiration.WEEK, tags=["a", "b"])
    just_due = make_snippet(expiration=Expiration.WEEK)
    not_yet = make_snippet(expiration=Expiration.WEEK, tags=["a"])
    forever = make_snippet(expiration=Expiration.NEVER)
    Snippet.objects.filter(pk=due.pk).update(expires_at=now - timedelta(days=1))
    Snippet.objects.filter(pk=just_due.pk).update(expires_at=now)
    Snippet.objects.filter(pk=not_yet.pk).update(expires_at=now + timedelta(seconds=1))

    assert snippets_expired_delete(now=now, batch_size=1) == 2

    assert set(Snippet.objects.values_list("pk", flat=True)) == {not_yet.pk, forever.pk}
    assert Snippet.tags.through.objects.filter(snippet_id=due.pk).count() == 0
    assert Snippet.tags.through.objects.filter(snippet_id=not_yet.pk).count() == 1


def test_the_purge_is_idempotent():
    snippet = make_snippet(expiration=Expiration.WEEK)
    later = snippet.expires_at + timedelta(seconds=1)
    assert snippets_expired_delete(now=later) == 1
    assert snippets_expired_delete(now=later) == 0


def test_an_expired_snippet_is_hidden_at_once_before_any_purge():
    snippet = make_snippet(expiration=Expiration.WEEK)
    assert Snippet.objects.live(now=snippet.expires_at - timedelta(seconds=1)).filter(pk=snippet.pk).exists()
    assert not Snippet.objects.live(now=snippet.expires_at).filter(pk=snippet.pk).exists()


def test_snippet_create_needs_no_guest_account_for_anonymous_pastes():
    snippet = snippet_create(
        code="x", language=python(), expiration=Expiration.NEVER, exposure=Exposure.PUBLIC, user=None
    )
    assert snippet.user is None
