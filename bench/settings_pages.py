"""Production settings plus the tutorial's snippet view at /tutorial/<slug>/, the baseline of bench/pages.py."""

from django_project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_urls"

# Connections live for the whole run (the site renews them every minute), so that bench/pages.py can read each
# PostgreSQL backend's CPU across a window without one ending inside it.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
