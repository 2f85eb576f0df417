"""A system check that every actor path senders use (actors/paths.py) names a Dramatiq actor of that name."""

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
