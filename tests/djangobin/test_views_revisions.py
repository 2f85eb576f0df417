"""The edit form, each revision's page, raw and download, and the anonymous author's delete link: every
permission case, CSRF, and the 404s."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from djangobin import page_cache
from djangobin.models import Exposure, Language, Snippet, SnippetRender, SnippetRevision
from djangobin.services.revisions import snippet_edit, snippet_revision_diff_store
from tests.djangobin.helpers import csrf_token_from
from tests.factories import make_snippet, make_user, python

pytestmark = pytest.mark.django_db
_DELETE_LINK = re.compile(r'href="(/delete/[^/"]+/[^/"]+/)"')


def paste(client, code="a = 1\n", **fields):
    """Paste through the form (as a browser does) and return the snippet."""
    data = {"original_code": code, "language": python().pk, "expiration": "never", "exposure": "public", **fields}
    response = client.post(reverse("djangobin:index"), data)
    assert response.status_code == 302
    return Snippet.objects.get(slug=response["Location"].strip("/"))


def edit_url(snippet):
    return reverse("djangobin:snippet_edit", args=[snippet.slug])


def revision_url(snippet, number, name="snippet_revision"):
    return reverse(f"djangobin:{name}", args=[snippet.slug, number])


def save(client, snippet, code, *, base=None, title="", language=None):
    data = {
        "original_code": code,
        "language": (language or python()).pk,
        "title": title,
        "base_revision": snippet.revision if base is None else base,
    }
    return client.post(edit_url(snippet), data)


def as_author(snippet, code, **kwargs):
    return snippet_edit(
        snippet=snippet,
        user=snippet.user,
        authored_slugs=[snippet.slug],
        code=code,
        language=snippet.language,
        base_revision=snippet.revision,
        **kwargs,
    )


@pytest.fixture
def owned(user):
    return make_snippet(user=user, code="one\ntwo\n", title="Notes")


# Editing: who may


def test_the_owner_edits_and_the_page_shows_revision_2_of_2_with_a_link_to_revision_1(ann, owned):
    assert ann.get(edit_url(owned)).status_code == 200

    response = save(ann, owned, "one\n2\n", title="Notes")

    assert response.status_code == 302 and response["Location"] == owned.get_absolute_url()
    page = ann.get(owned.get_absolute_url()).content.decode()
    assert "Revision 2 of 2" in page
    assert f'href="{revision_url(owned, 1)}"' in page
    assert "Saved as revision 2." in page


def test_the_anonymous_author_edits_from_the_browser_that_pasted(client):
    snippet = paste(client)

    assert client.get(edit_url(snippet)).status_code == 200
    assert save(client, snippet, "a = 2\n").status_code == 302
    assert Snippet.objects.get(pk=snippet.pk).original_code == "a = 2\n"


def test_another_browser_gets_403_for_an_anonymous_paste_and_changes_nothing(client):
    snippet = paste(client)
    stranger = Client()

    assert stranger.get(edit_url(snippet)).status_code == 403
    assert save(stranger, snippet, "mine now\n").status_code == 403
    assert Snippet.objects.get(pk=snippet.pk).revision == 1


def test_another_account_and_a_visitor_get_403_for_an_accounts_snippet(client, owned):
    assert client.get(edit_url(owned)).status_code == 403
    client.force_login(make_user())
    assert client.get(edit_url(owned)).status_code == 403
    assert save(client, owned, "mine now\n").status_code == 403
    assert Snippet.objects.get(pk=owned.pk).revision == 1


def test_someone_elses_private_snippet_is_404_for_edit_and_revisions(client, user):
    private = make_snippet(user=user, exposure=Exposure.PRIVATE)
    client.force_login(make_user())

    for url in (edit_url(private), revision_url(private, 1), revision_url(private, 1, "snippet_revision_raw")):
        assert client.get(url).status_code == 404


def test_an_unknown_snippet_is_404_for_edit_and_every_revision_url(client):
    for url in (
        reverse("djangobin:snippet_edit", args=["NoSuchSlug"]),
        reverse("djangobin:snippet_revision", args=["NoSuchSlug", 1]),
        reverse("djangobin:snippet_revision_raw", args=["NoSuchSlug", 1]),
        reverse("djangobin:snippet_revision_download", args=["NoSuchSlug", 1]),
    ):
        assert client.get(url).status_code == 404


def test_an_expired_snippet_is_410_for_edit_and_its_revisions(ann, owned):
    Snippet.objects.filter(pk=owned.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert ann.get(edit_url(owned)).status_code == 410
    assert save(ann, owned, "late\n").status_code == 410
    assert ann.get(revision_url(owned, 1)).status_code == 410


def test_a_burn_after_reading_snippet_is_not_editable_by_its_author_and_offers_no_edit_link(ann, user):
    snippet = make_snippet(user=user, burn_after_reading=True)

    assert ann.get(edit_url(snippet)).status_code == 403
    assert edit_url(snippet) not in ann.get(snippet.get_absolute_url()).content.decode()
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_a_burn_after_reading_snippets_revision_urls_are_404_for_others_and_burn_nothing(client, user):
    snippet = make_snippet(user=user, burn_after_reading=True)

    for name in ("snippet_revision", "snippet_revision_raw", "snippet_revision_download"):
        assert client.get(revision_url(snippet, 1, name)).status_code == 404
    assert Snippet.objects.filter(pk=snippet.pk).exists()


def test_only_the_author_sees_the_edit_link(client, ann, owned):
    link = f'href="{edit_url(owned)}"'

    assert link in ann.get(owned.get_absolute_url()).content.decode()
    assert link not in Client().get(owned.get_absolute_url()).content.decode()


def test_an_edit_by_get_changes_nothing_and_a_put_is_not_allowed(ann, owned):
    ann.get(edit_url(owned), {"original_code": "x\n", "base_revision": 1})

    assert Snippet.objects.get(pk=owned.pk).revision == 1
    assert ann.put(edit_url(owned)).status_code == 405


def test_an_edit_without_a_csrf_token_is_refused(csrf_client, user, owned):
    csrf_client.force_login(user)

    response = csrf_client.post(edit_url(owned), {"original_code": "x\n", "language": python().pk, "base_revision": 1})

    assert response.status_code == 403
    assert Snippet.objects.get(pk=owned.pk).revision == 1


def test_an_edit_with_the_forms_csrf_token_is_saved(csrf_client, user, owned):
    csrf_client.force_login(user)
    token = csrf_token_from(csrf_client.get(edit_url(owned)))

    data = {"original_code": "x\n", "language": python().pk, "base_revision": 1, "csrfmiddlewaretoken": token}
    assert csrf_client.post(edit_url(owned), data).status_code == 302
    assert Snippet.objects.get(pk=owned.pk).revision == 2


# Editing: what the form says


def test_bad_input_is_a_form_error_that_keeps_the_text(ann, owned):
    response = save(ann, owned, "kept \x00 text\n")

    assert response.status_code == 200
    assert "NUL character" in response.content.decode()
    assert "kept" in response.content.decode()
    assert Snippet.objects.get(pk=owned.pk).revision == 1


def test_a_garbled_base_revision_is_a_form_error_not_a_500(ann, owned):
    response = ann.post(edit_url(owned), {"original_code": "x\n", "language": python().pk, "base_revision": "x"})

    assert response.status_code == 200
    assert Snippet.objects.get(pk=owned.pk).revision == 1


def test_an_edit_from_an_old_revision_is_a_conflict_that_keeps_the_text_and_saves_nothing(ann, owned):
    as_author(owned, "someone else's\n")

    response = save(ann, owned, "my text\n", base=1)

    page = response.content.decode()
    assert response.status_code == 200
    assert "it is at revision 2 now" in page
    assert "my text" in page
    assert 'name="base_revision" value="2"' in page  # saving again replaces revision 2, knowingly
    assert Snippet.objects.get(pk=owned.pk).original_code == "someone else's\n"


def test_saving_without_a_change_says_so_and_makes_no_revision(ann, owned):
    response = save(ann, owned, "one\ntwo\n", title="Notes")

    assert response.status_code == 302
    assert "Nothing changed" in ann.get(owned.get_absolute_url()).content.decode()
    assert not SnippetRevision.objects.exists()


# Revision pages, raw and download


def test_each_revision_has_its_page_raw_and_download(client, owned):
    as_author(owned, "one\n2\n")

    first = client.get(revision_url(owned, 1)).content.decode()
    assert "Revision 1 of 2" in first and "two" in first
    raw = client.get(revision_url(owned, 1, "snippet_revision_raw"))
    assert raw.content == b"one\ntwo\n"
    assert raw["Content-Type"] == "text/plain; charset=utf-8" and raw["X-Content-Type-Options"] == "nosniff"
    download = client.get(revision_url(owned, 2, "snippet_revision_download"))
    assert download.content == b"one\n2\n"
    assert download["Content-Disposition"] == f'attachment; filename="{owned.slug}-r2.py"'
    assert client.get(reverse("djangobin:snippet_raw", args=[owned.slug])).content == b"one\n2\n"


def test_a_revision_number_the_snippet_never_had_is_404(client, owned):
    as_author(owned, "new\n")

    for number in (0, 3, 1000):
        for name in ("snippet_revision", "snippet_revision_raw", "snippet_revision_download"):
            assert client.get(revision_url(owned, number, name)).status_code == 404


def test_a_snippet_never_edited_is_its_own_revision_1(client, owned):
    page = client.get(revision_url(owned, 1)).content.decode()

    assert "Revision 1 of 1" in page
    assert client.get(revision_url(owned, 1, "snippet_revision_raw")).content == b"one\ntwo\n"
    assert "Revision 1 of 1" not in client.get(owned.get_absolute_url()).content.decode()


def test_the_snippet_page_and_the_revision_page_show_the_diff_escaped_once_the_worker_made_it(client, owned):
    saved = as_author(owned, "one\n<script>alert(1)</script>\n")

    assert "The comparison is on its way" in client.get(owned.get_absolute_url()).content.decode()
    snippet_revision_diff_store(revision_id=saved.pk)

    for url in (owned.get_absolute_url(), revision_url(owned, 2)):
        page = client.get(url).content.decode()
        assert "Changes from revision 1" in page
        assert '<span class="diff-del">-two</span>' in page
        assert '<span class="diff-add">+&lt;script&gt;alert(1)&lt;/script&gt;</span>' in page
        assert "<script>alert(1)" not in page


def test_a_forks_page_shows_its_diff_against_a_public_source_and_none_against_a_private_one(client, user):
    public_source = make_snippet(code="a\nb\n")
    fork = make_snippet(code="a\nc\n", forked_from=public_source)
    private_source = make_snippet(user=user, code="secret\n", exposure=Exposure.PRIVATE)
    private_fork = make_snippet(user=user, code="public now\n", forked_from=private_source)
    for row in SnippetRevision.objects.all():
        snippet_revision_diff_store(revision_id=row.pk)

    page = client.get(fork.get_absolute_url()).content.decode()
    assert "Changes from its source" in page and '<span class="diff-add">+c</span>' in page
    other = client.get(private_fork.get_absolute_url()).content.decode()
    assert "Changes from" not in other and "secret" not in other


# The page cache


def test_an_edit_shows_at_once_to_a_visitor_whose_page_was_kept(owned, settings):
    visitor = Client()
    SnippetRender.objects.filter(snippet=owned).update(state=SnippetRender.State.PLAIN)
    visitor.get(owned.get_absolute_url())
    assert page_cache._cache().get(page_cache._key(owned)) is not None, "the page was kept"

    as_author(owned, "one\nchanged\n")
    SnippetRender.objects.filter(snippet=owned).update(state=SnippetRender.State.PLAIN)

    page = visitor.get(owned.get_absolute_url()).content.decode()
    assert "changed" in page and "Revision 2 of 2" in page


# The anonymous author's delete link


def test_an_anonymous_paste_shows_its_delete_link_once_with_no_copy_kept(client):
    snippet = paste(client)

    first = client.get(snippet.get_absolute_url())
    second = client.get(snippet.get_absolute_url()).content.decode()

    assert _DELETE_LINK.search(first.content.decode())
    assert first["Cache-Control"] == "no-store" and first["Referrer-Policy"] == "same-origin"
    assert not _DELETE_LINK.search(second)


def test_a_signed_in_paste_gets_no_delete_link_and_keeps_its_delete_button(ann):
    snippet = paste(ann)

    page = ann.get(snippet.get_absolute_url()).content.decode()
    assert not _DELETE_LINK.search(page)
    assert Snippet.objects.get(pk=snippet.pk).delete_key_hash == ""
    assert reverse("djangobin:snippet_delete", args=[snippet.slug]) in page


def test_the_delete_link_asks_to_confirm_then_deletes_by_post_with_csrf_from_any_browser(client):
    snippet = paste(client)
    link = _DELETE_LINK.search(client.get(snippet.get_absolute_url()).content.decode()).group(1)
    elsewhere = Client(enforce_csrf_checks=True)

    confirm = elsewhere.get(link)
    assert confirm.status_code == 200 and "Delete for good" in confirm.content.decode()
    assert confirm["Referrer-Policy"] == "same-origin"
    assert Snippet.objects.filter(pk=snippet.pk).exists(), "a GET deletes nothing"
    assert elsewhere.post(link).status_code == 403, "no CSRF token"
    assert Snippet.objects.filter(pk=snippet.pk).exists()

    response = elsewhere.post(link, {"csrfmiddlewaretoken": csrf_token_from(confirm)})

    assert response.status_code == 302 and response["Location"] == reverse("djangobin:index")
    assert not Snippet.objects.filter(pk=snippet.pk).exists()
    assert elsewhere.get(link).status_code == 404, "the link is single-use"


def test_a_wrong_delete_key_is_404_and_deletes_nothing(client):
    snippet = paste(client)
    link = _DELETE_LINK.search(client.get(snippet.get_absolute_url()).content.decode()).group(1)
    wrong = link[:-3] + ("A" if link[-3] != "A" else "B") + "/"
    other = paste(Client())

    assert Client().get(wrong).status_code == 404
    assert Client().post(wrong).status_code == 404
    assert Client().post(link.replace(snippet.slug, other.slug)).status_code == 404
    assert Snippet.objects.filter(pk__in=[snippet.pk, other.pk]).count() == 2


def test_a_language_change_through_the_form_is_saved(ann, owned):
    text = Language.objects.get(lang_code="text")

    save(ann, owned, "one\ntwo\n", title="Notes", language=text)

    assert Snippet.objects.get(pk=owned.pk).language == text
