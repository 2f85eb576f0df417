"""djangobin's production settings for bench/dashboard.py, except plain static storage (no collectstatic run)."""

from django_project.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
