"""Deployment checks of our own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def ratelimits_shared_check(app_configs, **kwargs):
    """Rate limits counted per process (no REDIS_URL) let each gunicorn worker grant the whole allowance again."""
    if not settings.RATELIMIT_ENABLE or settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: rate-limit counts live in each web process's memory, so every gunicorn worker "
            "(and every restart) grants the whole allowance again.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) so every web process shares the counts.",
            id="djangobin.W001",
        )
    ]
