"""Test settings: only what tests need differs from production settings."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ADMINS", "Site Admin <admin@example.com>")
os.environ.setdefault("EMAIL_HOST", "127.0.0.1")  # production settings require one; tests mail to locmem (below)

from .settings import *  # noqa: F403
from .settings import CACHES, DATABASES, DRAMATIQ_BROKER

# Unit tests use dramatiq's StubBroker; integration tests start real workers against RabbitMQ.
# No outbox relay thread in unit tests: they call delivery.outbox.outbox_relay_once themselves.
DRAMATIQ_BROKER = {
    "BROKER": "dramatiq.brokers.stub.StubBroker",
    "OPTIONS": {},
    "MIDDLEWARE": [m for m in DRAMATIQ_BROKER["MIDDLEWARE"] if "DbConnections" not in m and "OutboxRelay" not in m],
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The dashboard's task history: outside worker processes, write each event in the thread that sends it, inside
# the test's transaction, rather than from a background thread (taskhistory/recorder.py).
TASKHISTORY_IMMEDIATE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# Several suites may share one PostgreSQL server: each run gets its own test database.
DATABASES["default"]["TEST"] = (
    {"NAME": f"test_djangobin_{os.getpid()}"} if "postgresql" in DATABASES["default"]["ENGINE"] else {}
)

# Rate limits are off unless a test of them switches them on; each test starts with an empty cache.
RATELIMIT_ENABLE = False
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"},
    "pages": {**CACHES["pages"], "LOCATION": "tests-pages"},
}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# Static files (UI): serve them from the apps' static/ folders as in development, so that page tests can
# fetch every asset a page links to, with no collectstatic step and no warning about a missing STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
