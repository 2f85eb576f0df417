from django.apps import AppConfig


class DjangobinConfig(AppConfig):
    name = "djangobin"
    verbose_name = "djangobin"

    def ready(self):
        from . import signals  # noqa: F401  (connects the profile signal)
