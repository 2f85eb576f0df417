"""Production settings plus the tutorial's snippet view at /tutorial/<slug>/, the baseline of bench/pages.py."""

from django_project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_urls"
