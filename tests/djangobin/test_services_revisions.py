"""Revisions (services/revisions.py, djangobin/revisions.py, djangobin/diffs.py) and the anonymous author's delete
secret (services/snippets.py): numbering, who may edit or delete, the diff the worker stores."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from dramatiq import Message

from actors import paths
from djangobin import revisions
from djangobin.diffs import DIFF_MAX_LINES, DIFF_MAX_LINES_SHOWN, diff_html
from djangobin.exceptions import RevisionConflict, SnippetExpired, SnippetNotFound
from djangobin.models import Language, Snippet, SnippetRender, SnippetRevision
from djangobin.services import snippets
from djangobin.services.revisions import snippet_edit, snippet_may_edit, snippet_revision_diff_store
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()
Diff = SnippetRevision.DiffState


def edit(snippet, code, *, user=None, title="", language=None, base=None):
    """An edit by `user`, or else by the browser that pasted `snippet` anonymously."""
    return snippet_edit(
        snippet=snippet,
        user=user or ANONYMOUS,
        authored_slugs=[] if user else [snippet.slug],
        code=code,
        language=language or snippet.language,
        title=title,
        base_revision=snippet.revision if base is None else base,
    )


# Numbering


def test_a_new_paste_is_revision_1_and_has_no_revision_rows():
    snippet = make_snippet()

    assert snippet.revision == 1
    assert not SnippetRevision.objects.exists()
    assert revisions.snippet_revision_get(snippet=snippet, number=1).code == snippet.original_code


def test_the_first_edit_keeps_the_pasted_text_as_revision_1_and_saves_revision_2():
    snippet = make_snippet(code="a = 1\n", title="First")

    saved = edit(snippet, "a = 2\n", title="Second")

    snippet.refresh_from_db()
    assert (saved.number, snippet.revision, snippet.original_code, snippet.title) == (2, 2, "a = 2\n", "Second")
    rows = list(SnippetRevision.objects.values_list("number", "title", "code", "diff_state"))
    assert rows == [(1, "First", "a = 1\n", Diff.NONE), (2, "Second", "a = 2\n", Diff.PENDING)]
    first = revisions.snippet_revision_get(snippet=snippet, number=1)
    assert (first.code, first.created_on, first.is_latest) == ("a = 1\n", snippet.created_on, False)


def test_each_edit_takes_the_next_number():
    snippet = make_snippet(code="v = 1\n")

    numbers = [edit(snippet, f"v = {n}\n").number for n in range(2, 6)]

    assert numbers == [2, 3, 4, 5]
    assert revisions.snippet_revision_get(snippet=snippet, number=3).code == "v = 3\n"
    assert [number for number, _ in revisions.snippet_revision_numbers(snippet=snippet)] == [5, 4, 3, 2, 1]


def test_an_edit_that_changes_nothing_saves_no_revision():
    snippet = make_snippet(code="same\n", title="T")

    assert edit(snippet, "same\n", title="  T ") is None
    assert Snippet.objects.get(pk=snippet.pk).revision == 1
    assert not SnippetRevision.objects.exists()


def test_a_change_of_language_alone_is_a_revision():
    snippet = make_snippet(code="x\n")

    saved = edit(snippet, "x\n", language=Language.objects.get(lang_code="text"))

    assert saved.number == 2 and saved.language.lang_code == "text"


def test_two_edits_from_the_same_revision_save_one_and_the_second_is_a_conflict_that_names_the_latest():
    snippet = make_snippet(code="base\n")
    other_tab = Snippet.objects.get(pk=snippet.pk)
    edit(snippet, "first\n")

    with pytest.raises(RevisionConflict) as conflict:
        edit(other_tab, "second\n", base=1)

    assert conflict.value.latest == 2
    assert Snippet.objects.get(pk=snippet.pk).original_code == "first\n"
    assert SnippetRevision.objects.count() == 2


def test_a_conflict_is_found_by_the_conditional_update_even_when_the_loaded_row_is_stale():
    snippet = make_snippet(code="base\n")
    stale = Snippet.objects.get(pk=snippet.pk)
    edit(snippet, "first\n")

    # The stale copy believes it is at revision 1, and says so: only the UPDATE can see otherwise.
    with pytest.raises(RevisionConflict):
        edit(stale, "second\n", base=1)


def test_an_unknown_revision_number_is_not_found():
    snippet = make_snippet()
    edit(snippet, "new\n")

    for number in (0, 3, 99):
        with pytest.raises(SnippetNotFound):
            revisions.snippet_revision_get(snippet=snippet, number=number)


def test_an_edit_queues_a_new_render_and_the_diff_after_commit(django_capture_on_commit_callbacks, broker):
    import actors.renders  # noqa: F401  (declares the highlight queue on the broker, as a worker would)

    snippet = make_snippet(code="a\n")
    broker.flush_all()
    render_before = SnippetRender.objects.get(snippet=snippet).revision

    with django_capture_on_commit_callbacks(execute=True):
        saved = edit(snippet, "b\n")

    render = SnippetRender.objects.get(snippet=snippet)
    assert (render.revision, render.state) == (render_before + 1, SnippetRender.State.PENDING)
    sent = [Message.decode(raw) for raw in broker.queues["highlight"].queue]
    assert {(m.actor_name, m.args) for m in sent} == {
        ("highlight_snippet", (snippet.pk,)),
        ("diff_snippet_revision", (saved.pk,)),
    }
    assert paths.DIFF_SNIPPET_REVISION.endswith(".diff_snippet_revision")


def test_an_edit_keeps_exposure_expiry_tags_and_hits():
    snippet = make_snippet(code="a\n", tags=["one"])
    Snippet.objects.filter(pk=snippet.pk).update(hits=7)
    snippet.refresh_from_db()

    edit(snippet, "b\n")

    after = Snippet.objects.get(pk=snippet.pk)
    assert (after.exposure, after.expires_at, after.hits) == (snippet.exposure, snippet.expires_at, 7)
    assert [tag.name for tag in after.tags.all()] == ["one"]


# Who may edit


def test_the_owner_may_edit_and_another_account_or_a_visitor_may_not():
    owner, other = make_user(), make_user()
    snippet = make_snippet(user=owner)

    assert snippet_may_edit(snippet=snippet, user=owner)
    assert not snippet_may_edit(snippet=snippet, user=other)
    assert not snippet_may_edit(snippet=snippet, user=ANONYMOUS)
    # A browser's remembered slugs are for anonymous pastes; they give no right over an account's one either.
    assert not snippet_may_edit(snippet=snippet, user=other, authored_slugs=[]) and snippet.user == owner
    with pytest.raises(PermissionDenied):
        edit(snippet, "stolen\n", user=other)
    assert Snippet.objects.get(pk=snippet.pk).revision == 1


def test_the_browser_that_pasted_anonymously_may_edit_and_no_other_may():
    snippet = make_snippet()

    assert snippet_may_edit(snippet=snippet, user=ANONYMOUS, authored_slugs=[snippet.slug])
    assert not snippet_may_edit(snippet=snippet, user=ANONYMOUS, authored_slugs=["someoneelse"])
    assert not snippet_may_edit(snippet=snippet, user=make_user())


def test_a_burn_after_reading_snippet_cannot_be_edited_even_by_its_author():
    owner = make_user()
    snippet = make_snippet(user=owner, burn_after_reading=True)

    assert not snippet_may_edit(snippet=snippet, user=owner)
    with pytest.raises(PermissionDenied):
        edit(snippet, "again\n", user=owner)


def test_an_expired_snippet_cannot_be_edited():
    snippet = make_snippet()
    snippet.expires_at = timezone.now() - timedelta(seconds=1)

    with pytest.raises(SnippetExpired):
        edit(snippet, "late\n")


def test_an_edit_follows_the_paste_rules():
    snippet = make_snippet()

    for code, title in (("  \n", ""), ("nul\x00\n", ""), ("ok\n", "two\nlines")):
        with pytest.raises(ValidationError):
            edit(snippet, code, title=title)
    assert Snippet.objects.get(pk=snippet.pk).revision == 1


# Forks


def test_a_fork_keeps_its_revision_1_as_a_row_waiting_for_its_diff_against_the_source():
    source = make_snippet(code="a\nb\n")
    fork = make_snippet(code="a\nB\n", forked_from=source)

    row = SnippetRevision.objects.get(snippet=fork)
    assert (row.number, row.code, row.diff_state) == (1, "a\nB\n", Diff.PENDING)
    assert snippet_revision_diff_store(revision_id=row.pk)
    row.refresh_from_db()
    assert (row.diff_state, row.lines_added, row.lines_removed) == (Diff.READY, 1, 1)
    assert '<span class="diff-add">+B</span>' in row.diff_html


def test_a_forks_first_edit_keeps_its_revision_1_row_and_its_diff():
    source = make_snippet(code="a\n")
    fork = make_snippet(code="b\n", forked_from=source)
    first = SnippetRevision.objects.get(snippet=fork)
    snippet_revision_diff_store(revision_id=first.pk)

    edit(fork, "c\n")

    assert list(SnippetRevision.objects.filter(snippet=fork).values_list("number", "code")) == [(1, "b\n"), (2, "c\n")]
    assert SnippetRevision.objects.get(pk=first.pk).diff_state == Diff.READY


def test_a_fork_whose_source_is_gone_gets_a_note_instead_of_a_diff():
    source = make_snippet(code="a\n")
    fork = make_snippet(code="b\n", forked_from=source)
    source.delete()

    row = SnippetRevision.objects.get(snippet=fork)
    snippet_revision_diff_store(revision_id=row.pk)

    row.refresh_from_db()
    assert (row.diff_state, row.diff_note) == (Diff.SKIPPED, "Not compared: the source is no longer here.")


# The diff


def test_the_diff_store_compares_with_the_revision_before_and_a_second_run_does_nothing():
    snippet = make_snippet(code="one\ntwo\nthree\n")
    saved = edit(snippet, "one\n2 <b>&\nthree\nfour\n")

    assert snippet_revision_diff_store(revision_id=saved.pk)
    assert not snippet_revision_diff_store(revision_id=saved.pk)

    saved.refresh_from_db()
    assert (saved.diff_state, saved.lines_added, saved.lines_removed) == (Diff.READY, 2, 1)
    assert saved.diff_html.splitlines() == [
        '<span class="diff-hunk">@@ -1,3 +1,4 @@</span>',
        '<span class="diff-same"> one</span>',
        '<span class="diff-del">-two</span>',
        '<span class="diff-add">+2 &lt;b&gt;&amp;</span>',
        '<span class="diff-same"> three</span>',
        '<span class="diff-add">+four</span>',
    ]


def test_a_diff_interrupted_by_the_time_limit_is_stored_as_a_note():
    snippet = make_snippet(code="a\n")
    saved = edit(snippet, "b\n")

    snippet_revision_diff_store(revision_id=saved.pk, timed_out=True)

    saved.refresh_from_db()
    assert (saved.diff_state, saved.diff_html) == (Diff.SKIPPED, "")
    assert "took too long" in saved.diff_note


def test_texts_longer_than_the_bound_are_not_compared():
    long_text = "x\n" * DIFF_MAX_LINES

    diff = diff_html(long_text, "y\n")

    assert (diff.html, diff.added) == ("", 0)
    assert "Not compared" in diff.note


def test_a_diff_longer_than_the_page_shows_is_cut_with_a_note_and_counts_every_line():
    before = "".join(f"old {n}\n" for n in range(DIFF_MAX_LINES_SHOWN))
    after = "".join(f"new {n}\n" for n in range(DIFF_MAX_LINES_SHOWN))

    diff = diff_html(before, after)

    assert len(diff.html.splitlines()) == DIFF_MAX_LINES_SHOWN
    assert (diff.added, diff.removed) == (DIFF_MAX_LINES_SHOWN, DIFF_MAX_LINES_SHOWN)
    assert "Only the first" in diff.note


def test_an_admin_correction_of_the_latest_revision_shows_on_its_revision_page():
    from djangobin.services.revisions import snippet_revision_latest_sync

    snippet = make_snippet(code="a\n")
    edit(snippet, "b\n")
    Snippet.objects.filter(pk=snippet.pk).update(original_code="b, fixed\n")
    snippet.refresh_from_db()

    snippet_revision_latest_sync(snippet=snippet)

    assert revisions.snippet_revision_get(snippet=snippet, number=2).code == "b, fixed\n"
    assert revisions.snippet_revision_get(snippet=snippet, number=1).code == "a\n"


# The anonymous author's delete secret


def test_the_delete_secret_is_stored_only_as_its_sha256():
    key = snippets.delete_key_generate()
    snippet = make_snippet(delete_key=key)

    stored = Snippet.objects.values_list("delete_key_hash", flat=True).get(pk=snippet.pk)
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored and len(key) >= 32


def test_the_delete_secret_deletes_its_snippet_once_and_a_wrong_one_deletes_nothing():
    key = snippets.delete_key_generate()
    snippet = make_snippet(delete_key=key)
    other = make_snippet(delete_key=snippets.delete_key_generate())

    with pytest.raises(PermissionDenied):
        snippets.snippet_delete_with_key(snippet=snippet, key="not-" + key)
    with pytest.raises(PermissionDenied):
        snippets.snippet_delete_with_key(snippet=other, key=key)
    snippets.snippet_delete_with_key(snippet=snippet, key=key)

    assert not Snippet.objects.filter(pk=snippet.pk).exists()
    assert Snippet.objects.filter(pk=other.pk).exists()
    assert Snippet.objects.filter(delete_key_hash=hashlib.sha256(key.encode()).hexdigest()).count() == 0


def test_a_snippet_without_a_delete_secret_matches_no_key_not_even_an_empty_one():
    snippet = make_snippet()

    assert snippet.delete_key_hash == ""
    assert not snippets.snippet_delete_key_matches(snippet=snippet, key="")
