"""A task's page links to what it works on (the snippet, the feedback, the account, the bulk operation), from the
subject its actor declares in actors/paths.py and the task's own id argument."""

import json

import pytest
from django.urls import reverse

from dashboard.subjects import task_subject
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("actor_name", "args", "kwargs", "label", "url"),
    [
        ("highlight_snippet", [42], {}, "snippet 42", "/admin/djangobin/snippet/42/change/"),
        ("send_feedback_mail", [7], {}, "feedback 7", "/admin/djangobin/feedback/7/change/"),
        ("send_activation_mail", [], {"user_id": 3, "site_url": "x"}, "user 3", "/admin/auth/user/3/change/"),
        ("apply_bulk_operation", [5], {}, "bulk operation 5", "/dashboard/operations/5/"),
    ],
)
def test_a_task_names_the_row_its_id_argument_points_to_and_its_page(actor_name, args, kwargs, label, url):
    task = make_task(actor_name=actor_name, args=args, kwargs=kwargs)
    subject = task_subject(task)
    assert (subject.label, subject.url) == (label, url)


@pytest.mark.parametrize(
    ("actor_name", "args"),
    [("remove_snippets", []), ("highlight_snippet", []), ("highlight_snippet", ["42"]), ("send_feedback_mail", [True])],
)
def test_no_subject_for_an_actor_without_one_or_an_argument_that_is_no_id(actor_name, args):
    assert task_subject(make_task(actor_name=actor_name, args=args)) is None


def test_the_task_page_and_its_json_link_to_the_snippet_a_highlight_works_on(staff_client):
    task = make_task(actor_name="highlight_snippet", queue_name="highlight", args=[42])
    page = staff_client.get(reverse("dashboard:task", args=[task.message_id])).content.decode()
    assert 'Works on <a class="subject" href="/admin/djangobin/snippet/42/change/">snippet 42</a>.' in page
    data = staff_client.get(reverse("dashboard:api_task", args=[task.message_id])).json()
    assert data["task"]["subject"] == {"label": "snippet 42", "url": "/admin/djangobin/snippet/42/change/"}


def test_a_task_whose_argument_text_looks_like_an_id_of_another_actor_links_nothing(staff_client):
    task = make_task(actor_name="remove_snippets", args=[], kwargs={"snippet_id": 42})
    page = staff_client.get(reverse("dashboard:task", args=[task.message_id])).content.decode()
    assert "Works on" not in page
    assert json.loads(task.kwargs) == {"snippet_id": 42}
