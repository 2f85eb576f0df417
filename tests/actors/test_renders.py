"""The highlighting actor, run by a real dramatiq Worker on the StubBroker with the project's middleware."""

import logging

import pytest
from dramatiq import Worker
from dramatiq.middleware import TimeLimit, TimeLimitExceeded

from actors.renders import diff_snippet_revision, highlight_snippet
from djangobin.models import Language, SnippetRender, SnippetRevision
from tests.factories import make_snippet

# The hostile paste of docs/reliability.md: Pygments' Perl lexer is quadratic on `m{` repeated.
PERL_BOMB = "m{" * (24 * 1024)


@pytest.fixture
def start_worker(broker, caplog):
    """Starts a one-thread worker when called, after the test has written its snippets, and checks at the end that
    no message failed in it.

    On SQLite the test database is in memory with a shared cache, where a table's lock fails at once (no busy
    timeout): a write the test makes while the worker reads that table is "database table is locked". Production's
    SQLite (a file in WAL mode) lets readers run beside the writer, so only the test must keep them apart.
    """
    for middleware in broker.middleware:
        # A worker process starts TimeLimit's watchdog thread at boot; a StubBroker in a test never boots.
        if isinstance(middleware, TimeLimit) and not middleware.manager.is_alive():
            middleware.manager.start()
    workers = []

    def start():
        worker = Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        workers.append(worker)
        return broker

    yield start
    for worker in workers:
        worker.stop()
    failed = [record.getMessage() for record in caplog.get_records("call") if record.levelno >= logging.ERROR]
    assert failed == [], "a message failed in the worker (and was retried)"


@pytest.fixture
def one_second_limit(settings, monkeypatch):
    """HIGHLIGHT_TIME_LIMIT_MS=1000, as a worker started with it has: the actor's option is read once, at import
    (the message that saving a snippet enqueues carries none, so it ran under the default ten seconds)."""
    settings.HIGHLIGHT_TIME_LIMIT_MS = 1000
    monkeypatch.setitem(highlight_snippet.options, "time_limit", 1000)


def run(broker, snippet_id, **options):
    highlight_snippet.send_with_options(args=(snippet_id,), **options)
    broker.join(highlight_snippet.queue_name)


def test_the_actor_runs_on_its_own_queue_with_the_time_limit_of_the_settings(settings):
    assert highlight_snippet.queue_name == "highlight"
    assert highlight_snippet.options["time_limit"] == settings.HIGHLIGHT_TIME_LIMIT_MS
    assert highlight_snippet.options["max_retries"] <= 3


@pytest.mark.django_db
def test_the_actor_stores_the_highlighted_html_and_a_second_copy_changes_nothing():
    snippet = make_snippet(code="def f():\n    return '<b>'\n")
    highlight_snippet.fn(snippet.pk)
    first = SnippetRender.objects.get(snippet=snippet)

    highlight_snippet.fn(snippet.pk)

    again = SnippetRender.objects.get(snippet=snippet)
    assert first.state == "highlighted" and "<span class=k>def</span>" in first.html
    assert (again.html, again.rendered_on) == (first.html, first.rendered_on)


@pytest.mark.django_db
def test_the_actor_does_nothing_for_a_snippet_that_is_gone():
    highlight_snippet.fn(999_999)
    assert not SnippetRender.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_paste_that_outruns_the_time_limit_is_stored_plain_with_a_note_and_not_retried(
    start_worker, one_second_limit
):
    snippet = make_snippet(code=PERL_BOMB, language=Language.objects.get(lang_code="perl"))
    worker = start_worker()

    run(worker, snippet.pk)

    render = SnippetRender.objects.get(snippet=snippet)
    assert (render.state, render.html) == ("plain", "")
    assert render.note == "Shown as plain text: highlighting took longer than 1 s."
    assert worker.dead_letters == []
    assert worker.queues["highlight.DQ"].qsize() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_thread_is_free_for_the_next_paste_after_a_timed_out_one(start_worker, one_second_limit):
    perl = Language.objects.get(lang_code="perl")
    slow = make_snippet(code=PERL_BOMB, language=perl)
    quick = make_snippet(code="print 1;\n", language=perl)
    worker = start_worker()

    run(worker, slow.pk)
    run(worker, quick.pk)

    assert SnippetRender.objects.get(snippet=slow).state == "plain"
    assert SnippetRender.objects.get(snippet=quick).state == "highlighted"


@pytest.mark.django_db
def test_the_actor_guesses_a_language_to_detect_stores_it_and_highlights_with_it():
    snippet = make_snippet(
        code='#!/bin/bash\nfor f in *.txt; do\n  echo "$f"\ndone\n',
        language=Language.objects.get(lang_code="text"),
        detect_language=True,
    )

    highlight_snippet.fn(snippet.pk)

    snippet.refresh_from_db()
    render = SnippetRender.objects.get(snippet=snippet)
    assert snippet.language.lang_code == "bash"
    assert render.state == "highlighted" and "<span class=k>for</span>" in render.html


def _edited(code_before, code_after):
    from django.contrib.auth.models import AnonymousUser

    from djangobin.services.revisions import snippet_edit

    snippet = make_snippet(code=code_before)
    return snippet_edit(snippet=snippet, user=AnonymousUser(), authored_slugs=[snippet.slug], code=code_after,
                        language=snippet.language, base_revision=1)  # fmt: skip


def test_the_diff_actor_runs_on_the_highlight_queue_with_its_time_limit(settings):
    assert diff_snippet_revision.queue_name == "highlight"
    assert diff_snippet_revision.options["time_limit"] == settings.HIGHLIGHT_TIME_LIMIT_MS


@pytest.mark.django_db
def test_the_diff_actor_stores_the_diff_and_a_second_copy_changes_nothing():
    revision = _edited("a\nb\n", "a\nc\n")

    diff_snippet_revision.fn(revision.pk)
    first = SnippetRevision.objects.get(pk=revision.pk)
    diff_snippet_revision.fn(revision.pk)

    assert first.diff_state == "ready" and '<span class="diff-add">+c</span>' in first.diff_html
    assert SnippetRevision.objects.get(pk=revision.pk).diff_html == first.diff_html


@pytest.mark.django_db
def test_the_diff_actor_does_nothing_for_a_revision_that_is_gone():
    diff_snippet_revision.fn(999_999)
    assert not SnippetRevision.objects.exists()


@pytest.mark.django_db
def test_a_diff_the_time_limit_interrupts_is_stored_as_a_note_not_retried(monkeypatch):
    from djangobin.services import revisions

    revision = _edited("a\n", "b\n")

    def slow(before, after):
        raise TimeLimitExceeded()

    monkeypatch.setattr(revisions, "diff_html", slow)
    diff_snippet_revision.fn(revision.pk)

    stored = SnippetRevision.objects.get(pk=revision.pk)
    assert stored.diff_state == "skipped" and "took too long" in stored.diff_note
