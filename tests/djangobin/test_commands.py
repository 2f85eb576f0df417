"""djangobin's management commands."""

from io import StringIO

import pytest
from django.core.management import call_command

from delivery.models import OutboxMessage
from djangobin.models import SnippetRender
from djangobin.services.renders import render_job_get, snippet_render_highlight
from tests.factories import make_snippet

pytestmark = pytest.mark.django_db


def rehighlight(*args):
    out = StringIO()
    call_command("rehighlight", *args, stdout=out)
    return out.getvalue()


def test_rehighlight_queues_every_pending_render_in_batches_and_prints_where_to_resume():
    ids = [make_snippet().pk for _ in range(5)]
    snippet_render_highlight(job=render_job_get(snippet_id=ids[0]))
    OutboxMessage.objects.all().delete()

    out = rehighlight("--batch", "3")

    assert out.splitlines() == [
        f"Queued 3 renders, up to snippet id {ids[3]}.",
        f"Queued 4 renders, up to snippet id {ids[4]}.",
        "Done: 4 renders queued.",
    ]
    assert sorted(m.args[0] for m in OutboxMessage.objects.filter(actor_name="highlight_snippet")) == ids[1:]


def test_rehighlight_resumes_after_an_id_and_all_renders_every_snippet_again():
    ids = [make_snippet().pk for _ in range(3)]
    for snippet_id in ids:
        snippet_render_highlight(job=render_job_get(snippet_id=snippet_id))

    assert rehighlight("--after", str(ids[0])).endswith("Done: 0 renders queued.\n")
    assert rehighlight("--all", "--after", str(ids[0])).endswith("Done: 2 renders queued.\n")
    states = dict(SnippetRender.objects.values_list("snippet_id", "state"))
    assert states == {ids[0]: "highlighted", ids[1]: "pending", ids[2]: "pending"}
