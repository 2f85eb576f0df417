"""What a task works on (the snippet it highlights, the feedback it mails, the account it writes to), as a link for
its page: from the actor's subject declared once in actors/paths.py and the task's own argument, never guessed
from the arguments' text. Only the id is read from the task; no other app's table is."""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from actors.paths import SUBJECTS


@dataclass(frozen=True)
class Subject:
    label: str  # "snippet 42"
    url: str | None  # its page for staff: the admin's change page, or the dashboard's own; None when there is none


def _argument(task, position, name):
    if name in task.kwargs_value:
        return task.kwargs_value[name]
    args = task.args_value
    return args[position] if position < len(args) else None


def _url(model, pk):
    if model._meta.label == "taskhistory.BulkOperation":
        return reverse("dashboard:operation", args=[pk])
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:  # a model the admin does not show
        return None


def task_subject(task) -> Subject | None:
    """The row `task` works on, or None: an actor without a declared subject, or an argument that is no id."""
    declared = SUBJECTS.get(task.actor_name)
    if declared is None:
        return None
    label, position, name = declared
    pk = _argument(task, position, name)
    if isinstance(pk, bool) or not isinstance(pk, int):
        return None
    model = apps.get_model(settings.AUTH_USER_MODEL if label == "AUTH_USER_MODEL" else label)
    return Subject(label=f"{model._meta.verbose_name} {pk}", url=_url(model, pk))
