"""Forks ("New paste from this"): the editor pre-filled from a snippet, linked back to it, and who sees which fork."""

import pytest
from django.test import Client
from django.urls import reverse

from djangobin.exceptions import SnippetNotFound
from djangobin.forks import snippet_fork_source_get, snippet_forks_visible
from djangobin.models import Exposure, Language, Snippet
from tests.djangobin.test_views_snippets import paste
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


def fork_url(snippet):
    return reverse("djangobin:snippet_fork", args=[snippet.slug])


def new_snippet(response):
    assert response.status_code == 302, response.content
    return Snippet.objects.get(slug=response["Location"].strip("/"))


def test_the_fork_page_is_the_editor_filled_with_the_sources_code_language_and_title(client):
    go = Language.objects.get(lang_code="go")
    source = make_snippet(code="def f():\n    return 1\n", title="Helper", language=go)

    response = client.get(fork_url(source))

    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["original_code"] == source.original_code
    assert form.initial["language"] == source.language_id
    assert form.initial["title"] == "Helper"
    assert f'name="forked_from" value="{source.slug}"' in response.content.decode()
    assert "A new paste from" in response.content.decode()


def test_an_anonymous_fork_of_an_unlisted_snippet_starts_unlisted_not_public(client):
    source = make_snippet(exposure=Exposure.UNLISTED)

    response = client.get(fork_url(source))

    assert response.context["form"].initial["exposure"] == Exposure.UNLISTED
    assert '<option value="unlisted" selected>' in response.content.decode()


def test_the_owners_fork_of_their_private_snippet_starts_private(client, user):
    source = make_snippet(user=user, exposure=Exposure.PRIVATE)
    client.force_login(user)

    response = client.get(fork_url(source))

    assert '<option value="private" selected>' in response.content.decode()


def test_a_paste_posted_from_the_fork_page_links_back_and_the_source_lists_it(client):
    source = make_snippet(title="Source")

    fork = new_snippet(paste(client, title="My fork", forked_from=source.slug))

    assert fork.forked_from == source
    fork_page = client.get(fork.get_absolute_url()).content.decode()
    assert f'Forked from <a href="{source.get_absolute_url()}">Source</a>' in fork_page
    source_page = client.get(source.get_absolute_url()).content.decode()
    assert f'<a href="{fork.get_absolute_url()}">My fork</a>' in source_page


def test_someone_elses_private_snippet_cannot_be_forked_but_its_owner_can_fork_it(client, user):
    source = make_snippet(user=user, exposure=Exposure.PRIVATE)

    assert client.get(fork_url(source)).status_code == 404
    client.force_login(user)
    assert client.get(fork_url(source)).status_code == 200


def test_a_posted_slug_of_someone_elses_private_snippet_leaves_the_paste_unlinked(client, user):
    source = make_snippet(user=user, exposure=Exposure.PRIVATE)

    fork = new_snippet(paste(client, forked_from=source.slug))

    assert fork.forked_from is None


def test_forking_a_burn_after_reading_snippet_is_refused_to_others_and_does_not_burn_it(client, user):
    source = make_snippet(user=user, burn_after_reading=True)

    assert client.get(fork_url(source)).status_code == 404
    assert new_snippet(paste(client, forked_from=source.slug)).forked_from is None
    assert Snippet.objects.filter(pk=source.pk).exists()
    assert "New paste from this" not in Client().post(source.get_absolute_url()).content.decode()  # (this burns it)


def test_the_author_of_a_burn_after_reading_snippet_may_fork_it_from_the_same_browser_or_account(client, user):
    anonymous = new_snippet(paste(client, burn_after_reading="on"))
    owned = make_snippet(user=user, burn_after_reading=True)

    assert client.get(fork_url(anonymous)).status_code == 200
    client.force_login(user)
    assert client.get(fork_url(owned)).status_code == 200
    assert Snippet.objects.filter(pk__in=[anonymous.pk, owned.pk]).count() == 2


def test_a_source_lists_public_forks_and_the_viewers_own_but_never_others_hidden_ones(user):
    source = make_snippet()
    other = make_user()
    public = make_snippet(forked_from=source, user=other)
    hidden = [
        make_snippet(forked_from=source, user=other, exposure=Exposure.UNLISTED),
        make_snippet(forked_from=source, user=other, exposure=Exposure.PRIVATE),
        make_snippet(forked_from=source, user=other, burn_after_reading=True),
        make_snippet(forked_from=source, exposure=Exposure.UNLISTED),
    ]
    own_unlisted = make_snippet(forked_from=source, user=user, exposure=Exposure.UNLISTED)
    make_snippet(forked_from=make_snippet())  # a fork of another snippet

    anonymous = Client().get(source.get_absolute_url()).content.decode()
    owner = Client()
    owner.force_login(user)
    as_user = owner.get(source.get_absolute_url()).content.decode()

    assert public.get_absolute_url() in anonymous
    assert own_unlisted.get_absolute_url() not in anonymous
    assert public.get_absolute_url() in as_user and own_unlisted.get_absolute_url() in as_user
    for snippet in hidden:
        assert snippet.get_absolute_url() not in anonymous
        assert snippet.get_absolute_url() not in as_user


def test_deleting_the_source_keeps_the_fork_unlinked(client):
    source = make_snippet()
    fork = make_snippet(forked_from=source)

    source.delete()

    fork.refresh_from_db()
    assert fork.forked_from is None
    assert "Forked from" not in client.get(fork.get_absolute_url()).content.decode()


def test_a_fork_page_does_not_link_to_a_private_source_for_anyone_but_its_owner(user):
    source = make_snippet(user=user, exposure=Exposure.PRIVATE, title="Secret name")
    fork = make_snippet(user=user, forked_from=source)
    owner = Client()
    owner.force_login(user)

    assert "Secret name" not in Client().get(fork.get_absolute_url()).content.decode()
    assert "Secret name" in owner.get(fork.get_absolute_url()).content.decode()


def test_the_source_selector_raises_not_found_for_a_burn_after_reading_snippet_of_someone_else(user):
    source = make_snippet(user=user, burn_after_reading=True)

    with pytest.raises(SnippetNotFound):
        snippet_fork_source_get(slug=source.slug, user=make_user())
    assert snippet_fork_source_get(slug=source.slug, user=user) == source
    assert snippet_fork_source_get(slug=source.slug, user=make_user(), authored_slugs=[source.slug]) == source


def test_an_expired_fork_is_not_listed(user):
    source = make_snippet()
    fork = make_snippet(forked_from=source, expiration="1 week")
    Snippet.objects.filter(pk=fork.pk).update(expires_at="2000-01-01T00:00:00Z")

    assert list(snippet_forks_visible(snippet=source, user=user)) == []


def test_a_fork_sent_back_with_an_error_keeps_its_source_and_the_link_to_it(client):
    source = make_snippet(title="Source")

    response = paste(client, original_code="   ", forked_from=source.slug)

    html = response.content.decode()
    assert response.status_code == 200 and "The snippet is empty." in html
    assert f'name="forked_from" value="{source.slug}"' in html
    assert f'A new paste from <a href="{source.get_absolute_url()}">Source</a>' in html
