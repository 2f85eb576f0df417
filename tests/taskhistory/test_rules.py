"""What an operator may do with a task is written once (taskhistory/models.py): the querysets that the retry list
and the bulk actions filter by, and the `can_*` properties behind each task's buttons, agree on every task."""

import itertools

import pytest
from django.utils import timezone

from taskhistory.models import Task
from taskhistory.statuses import Status
from tests.taskhistory.factories import make_task

pytestmark = pytest.mark.django_db

RULES = [("retryable", "can_retry"), ("dismissible", "can_dismiss"), ("cancellable", "can_cancel")]


def test_the_querysets_and_the_buttons_agree_on_every_kind_of_task():
    for status, retried_as, dismissed in itertools.product(Status.values, ["", "m-new"], [False, True]):
        make_task(status=status, retried_as=retried_as, dismissed_at=timezone.now() if dismissed else None)
    for queryset, flag in RULES:
        chosen = set(getattr(Task.objects, queryset)().values_list("pk", flat=True))
        assert chosen == {task.pk for task in Task.objects.all() if getattr(task, flag)}, queryset
        assert chosen  # each rule picks some of them, so the comparison above says something


def test_the_retry_list_is_the_retryable_tasks_nobody_dismissed():
    kept = make_task(status=Status.FAILED)
    make_task(status=Status.FAILED, dismissed_at=timezone.now())
    make_task(status=Status.SKIPPED, retried_as="m-new")
    make_task(status=Status.SUCCEEDED)
    assert list(Task.objects.awaiting_retry()) == [kept]
