"""System checks of actors/paths.py: every actor path senders use names a Dramatiq actor of that name, and every
actor's declared subject (what the dashboard links a task to) names a model and one of the actor's parameters."""

import inspect

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from . import paths


def actor_path_problem(path: str) -> str | None:
    """Why `path` names no actor a worker would run, or None when it does."""
    import dramatiq

    try:
        actor = import_string(path)
    except ImportError as error:
        return f"cannot be imported: {error}"
    if not isinstance(actor, dramatiq.Actor):
        return f"is a {type(actor).__name__}, not a Dramatiq actor"
    if actor.actor_name != path.rsplit(".", 1)[1]:
        return f"is the actor {actor.actor_name!r}, whose name a worker would not find under this path"
    return None


@register()
def actor_paths_check(app_configs, **kwargs):
    errors = []
    for path in paths.ALL:
        problem = actor_path_problem(path)
        if problem is not None:
            errors.append(
                Error(
                    f"The actor path {path!r} {problem}.",
                    hint="Fix the path in actors/paths.py, or the actor it should name.",
                    id="actors.E001",
                )
            )
    return errors


def subject_problem(actor_name: str, subject: tuple) -> str | None:
    """Why `subject` (model label, position, parameter name) does not fit the actor `actor_name`, or None."""
    from delivery import registry

    label, position, name = subject
    if actor_name not in registry.actors():
        return "names no actor a worker would run"
    try:
        apps.get_model(settings.AUTH_USER_MODEL if label == "AUTH_USER_MODEL" else label)
    except (LookupError, ValueError) as error:
        return f"names no model: {error}"
    import dramatiq

    parameters = list(inspect.signature(dramatiq.get_broker().get_actor(actor_name).fn).parameters)
    if position >= len(parameters) or parameters[position] != name:
        return f"says argument {position} is {name!r}, but the actor's parameters are {parameters}"
    return None


@register()
def actor_subjects_check(app_configs, **kwargs):
    errors = []
    for actor_name, subject in paths.SUBJECTS.items():
        problem = subject_problem(actor_name, subject)
        if problem is not None:
            errors.append(
                Error(
                    f"The subject of {actor_name!r} in actors/paths.py {problem}.",
                    hint="Fix SUBJECTS in actors/paths.py, or the actor it describes.",
                    id="actors.E002",
                )
            )
    return errors
