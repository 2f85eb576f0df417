from django.apps import AppConfig


class DjangobinConfig(AppConfig):
    name = "djangobin"
    verbose_name = "djangobin"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers the deploy checks, connects the profile signal)
