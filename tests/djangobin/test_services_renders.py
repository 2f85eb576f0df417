"""Renders: asked for with the snippet, stored by the worker over the revision it read, never over a newer one."""

import pytest

from delivery.models import OutboxMessage
from djangobin.models import Language, Snippet, SnippetRender
from djangobin.services.renders import (
    render_job_get,
    snippet_render_highlight,
    snippet_render_request,
    snippet_renders_request_batch,
)
from tests.factories import make_snippet

pytestmark = pytest.mark.django_db


def queued_renders():
    return [m.args[0] for m in OutboxMessage.objects.filter(actor_name="highlight_snippet").order_by("pk")]


def render_of(snippet):
    return SnippetRender.objects.get(snippet=snippet)


def test_creating_a_snippet_stores_its_render_pending_and_queues_one_highlight_message():
    snippet = make_snippet(code="x = '<b>'\n")

    render = render_of(snippet)
    assert (render.state, render.revision, render.html) == ("pending", 1, "")
    assert queued_renders() == [snippet.pk]


def test_a_paste_over_the_highlight_limit_is_plain_at_once_with_a_note_and_nothing_queued(settings):
    settings.HIGHLIGHT_MAX_BYTES = 1024
    snippet = make_snippet(code="x = 1\n" * 200)

    render = render_of(snippet)
    assert render.state == "plain"
    assert render.note == "Shown as plain text: highlighting stops at 1 KiB of code."
    assert queued_renders() == []
    assert render_job_get(snippet_id=snippet.pk) is None


def test_the_highlighted_render_is_escaped_html_with_a_span_per_coloured_run_and_no_markup_per_line():
    snippet = make_snippet(code="x = '<b>'\ny = 2\n")

    assert snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    render = render_of(snippet)
    assert render.state == "highlighted"
    assert "<b>" not in render.html
    assert "&lt;b&gt;" in render.html
    assert "<span class=mi>2</span>" in render.html
    assert "linenos" not in render.html and "<a " not in render.html
    assert render.rendered_on is not None


def test_a_render_made_from_an_older_revision_is_not_stored_over_the_newer_one():
    snippet = make_snippet(code="old = 1\n")
    old_job = render_job_get(snippet_id=snippet.pk)
    snippet.original_code = "new = 2\n"
    snippet.save()
    snippet_render_request(snippet_id=snippet.pk)

    assert not snippet_render_highlight(job=old_job)
    assert render_of(snippet).state == "pending"
    assert snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))
    assert "new" in render_of(snippet).html and "old" not in render_of(snippet).html


def test_a_second_copy_of_the_message_finds_nothing_to_do():
    snippet = make_snippet()
    snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    assert render_job_get(snippet_id=snippet.pk) is None
    assert render_job_get(snippet_id=999_999) is None


def test_a_language_without_a_highlighter_is_shown_plain_with_a_note():
    language = Language.objects.create(name="Gone", lang_code="gone", slug="gone", file_extension=".g")
    snippet = make_snippet(language=language)

    snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    render = render_of(snippet)
    assert (render.state, render.note) == ("plain", "Shown as plain text: no highlighter for gone.")


def test_the_job_reads_the_language_when_it_runs_not_when_it_was_queued():
    snippet = make_snippet()
    snippet.language = Language.objects.get(lang_code="perl")
    snippet.save()

    assert render_job_get(snippet_id=snippet.pk).lang_code == "perl"


def test_existing_renders_are_queued_in_batches_that_resume_after_the_last_id():
    snippets = [make_snippet() for _ in range(5)]
    ids = [s.pk for s in snippets]
    snippet_render_highlight(job=render_job_get(snippet_id=ids[0]))
    OutboxMessage.objects.all().delete()

    assert snippet_renders_request_batch(after=0, limit=2) == ids[1:3]
    assert snippet_renders_request_batch(after=ids[2], limit=2) == ids[3:5]
    assert snippet_renders_request_batch(after=ids[4], limit=2) == []
    assert queued_renders() == ids[1:]


def test_rendering_everything_again_makes_a_new_revision_of_each_render():
    snippet = make_snippet()
    snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    assert snippet_renders_request_batch(redo=True) == [snippet.pk]
    render = render_of(snippet)
    assert (render.state, render.revision, render.html) == ("pending", 2, "")


def test_a_render_whose_markup_would_dwarf_the_code_is_shown_plain_with_a_note():
    snippet = make_snippet(code="7\n" * 50_000)

    snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    render = render_of(snippet)
    assert (render.state, render.html) == ("plain", "")
    assert render.note == "Shown as plain text: highlighted, this page would be over 4 times the code's size."


# "Detect": the worker guesses the language before it highlights.

PYTHON_SCRIPT = "#!/usr/bin/env python3\nimport os\n\nprint(os.getcwd())\n"


def detecting(code):
    return make_snippet(code=code, language=Language.objects.get(lang_code="text"), detect_language=True)


def test_a_paste_to_detect_is_stored_as_plain_text_with_its_render_flagged_for_a_guess():
    snippet = detecting(PYTHON_SCRIPT)

    assert snippet.language.lang_code == "text"
    assert render_of(snippet).detect_language
    assert render_job_get(snippet_id=snippet.pk).detect_language
    assert queued_renders() == [snippet.pk]


def test_the_render_stores_the_guessed_language_then_highlights_the_code_with_it():
    snippet = detecting(PYTHON_SCRIPT)

    assert snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    snippet.refresh_from_db()
    render = render_of(snippet)
    assert snippet.language.lang_code == "python"
    assert (render.state, render.detect_language) == ("highlighted", False)
    assert "<span class=kn>import</span>" in render.html


def test_a_guess_that_is_none_of_the_sites_languages_leaves_plain_text():
    snippet = detecting("Dear Ann, the meeting moved to Tuesday.\n")

    snippet_render_highlight(job=render_job_get(snippet_id=snippet.pk))

    snippet.refresh_from_db()
    assert snippet.language.lang_code == "text"
    assert render_of(snippet).state == "highlighted"


def test_a_guess_made_for_an_older_revision_never_replaces_the_language_set_since():
    snippet = detecting(PYTHON_SCRIPT)
    old_job = render_job_get(snippet_id=snippet.pk)
    Snippet.objects.filter(pk=snippet.pk).update(language=Language.objects.get(lang_code="ruby"))
    snippet_render_request(snippet_id=snippet.pk)  # an edit in the admin: a new revision, no guess asked

    assert not snippet_render_highlight(job=old_job)

    snippet.refresh_from_db()
    assert snippet.language.lang_code == "ruby"
    assert render_of(snippet).state == "pending"
    new_job = render_job_get(snippet_id=snippet.pk)
    assert (new_job.lang_code, new_job.detect_language) == ("ruby", False)


def test_a_paste_over_the_highlight_limit_is_neither_guessed_nor_queued(settings):
    settings.HIGHLIGHT_MAX_BYTES = 16
    snippet = detecting(PYTHON_SCRIPT)

    assert not render_of(snippet).detect_language
    assert queued_renders() == []
