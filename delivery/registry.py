"""Which actors and queues exist: the actor modules rundramatiq discovers, imported on first use (never at start-up).

The broker's layer owns it so that anything may ask (the task history, the dashboard, the delivery commands)
without importing `actors`, which sits above them all.
"""

import functools
from importlib import import_module

import dramatiq
from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule


def _actor_modules():
    names = getattr(settings, "DRAMATIQ_AUTODISCOVER_MODULES", ("tasks",))
    for config in apps.get_app_configs():
        for name in names:
            if module_has_submodule(config.module, name):
                yield f"{config.name}.{name}"


@functools.cache
def _load_actors():
    for module in _actor_modules():
        import_module(module)


def actors():
    """{actor name: queue name} of every actor a worker would run."""
    _load_actors()
    broker = dramatiq.get_broker()
    return {name: broker.get_actor(name).queue_name for name in sorted(broker.actors)}


def queues():
    return sorted(set(actors().values()))


def actor_get(name):
    """The Dramatiq actor called `name` (its function is `.fn`); dramatiq's `ActorNotFound` when there is none."""
    _load_actors()
    return dramatiq.get_broker().get_actor(name)
