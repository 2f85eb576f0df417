from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = "Dramatiq actors"

    def ready(self):
        from . import checks  # noqa: F401  (registers the actor-path check; imports no actor module until it runs)
