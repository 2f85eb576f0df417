"""djangobin settings. Everything a deployment changes comes from the environment: see .env.example."""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from delivery.amqp import node_urls

from .env import env_admins, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DJANGO_DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Absolute URL used in mailed links when set (e.g. https://paste.example.com); otherwise the request's validated host.
SITE_URL = env_str("DJANGO_SITE_URL").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_dramatiq",
    "djangobin",
    "actors",
    "scheduler",
    "delivery",
    "django_ratelimit",
    "taskhistory",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the session, CSRF and messages middleware: it must see the cookies they set (djangobin/http_cache.py).
    "djangobin.middleware.CacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "djangobin.middleware.ContentSecurityPolicyMiddleware",
    "djangobin.middleware.HashingBusyMiddleware",
]

ROOT_URLCONF = "django_project.urls"
WSGI_APPLICATION = "django_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url):
    if not url:
        VAR_DIR.mkdir(exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'djangobin.sqlite3'}"
    # Connections are kept (a minute, checked before reuse): opening one costs more than a worker's query.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so a
        # busy database waits (up to `timeout` seconds) instead of failing with "database is locked".
        # secure_delete=FAST: SQLite zeroes a deleted row where that costs no extra writes (on its b-tree page) but
        # no longer zeroes whole freed pages, as Debian's build does by default, which the expiry purge paid for at
        # every batch (docs/benchmarks.md, "Expiry purge"). The trade-off: parts of a deleted or expired snippet (its
        # long code, stored on overflow pages) may linger in the file's free pages until SQLite reuses them or a
        # VACUUM, so anyone holding a copy of the database file or a backup could recover them. Never by the site.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=FAST;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["djangobin.auth.UsernameOrEmailBackend"]
# The first hashes new passwords: Django's PBKDF2 in a low-priority thread, so a burst of sign-ups or logins does
# not stall page views (djangobin/hashers.py); the others verify passwords stored by other hashers.
PASSWORD_HASHERS = [
    "djangobin.hashers.BackgroundPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Requests of one web process that may wait for a password hash at once; one more gets a 503 page at once. Keep it
# under gunicorn's threads per process (deploy/gunicorn.conf.py), so page views always have threads left.
PASSWORD_HASH_QUEUE = env_int("DJANGO_PASSWORD_HASH_QUEUE", 4, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "djangobin:login"
LOGIN_REDIRECT_URL = "djangobin:index"
LOGOUT_REDIRECT_URL = "djangobin:index"
# How long activation and password-reset links stay valid, in seconds.
PASSWORD_RESET_TIMEOUT = env_int("DJANGO_LINK_TIMEOUT", 3 * 24 * 3600, minimum=60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` gathers files for whitenoise to serve when DJANGO_DEBUG is off.
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Mail: in development with no EMAIL_HOST, messages are printed by the worker (the console backend), as in the
# tutorial. In production that would put every reset and activation link in a log and none in a mailbox: refuse.
EMAIL_HOST = env_str("EMAIL_HOST")
if not EMAIL_HOST and not DEBUG:
    raise ImproperlyConfigured(
        "EMAIL_HOST is not set. With DJANGO_DEBUG off, activation and password-reset links must go to users by "
        "mail, not to the worker's log: set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
        "EMAIL_USE_TLS as your mail server needs), or set DJANGO_DEBUG=1 for development."
    )
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "djangobin <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets contact-form feedback; in development with none, the active superusers do (djangobin.services.mail).
ADMINS = env_admins("DJANGO_ADMINS")
EMAIL_SUBJECT_PREFIX = "[djangobin] "
# First wait before a failed mail is retried, doubling up to 10 minutes; tests shorten it.
MAIL_RETRY_MIN_BACKOFF_MS = env_int("MAIL_RETRY_MIN_BACKOFF_MS", 15_000, minimum=1, maximum=600_000)

# Snippets
SNIPPET_MAX_BYTES = env_int("SNIPPET_MAX_BYTES", 512 * 1024, minimum=1)
SNIPPET_MAX_TAGS = env_int("SNIPPET_MAX_TAGS", 10, minimum=0)
# A form body may carry a snippet at its limit even percent-encoded (3 bytes a byte), so an over-limit paste
# reaches the form, which refuses it naming the limit; a body larger still gets the 413 page, which names it too.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, 3 * SNIPPET_MAX_BYTES + 262_144)
# A multipart body (the paste form's, or an API upload) is refused before it is read when its Content-Length
# passes that bound, and as soon as its files pass SNIPPET_MAX_BYTES (djangobin/uploads.py): what is read is kept
# in memory, never written to a temporary file.
FILE_UPLOAD_HANDLERS = ["djangobin.uploads.RequestSizeLimit", "django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Highlighting runs in the worker (the `highlight` queue): a paste that takes longer than this, or is larger
# than this, is shown as plain text with a note saying why.
HIGHLIGHT_TIME_LIMIT_MS = env_int("HIGHLIGHT_TIME_LIMIT_MS", 10_000, minimum=100, maximum=600_000)
HIGHLIGHT_MAX_BYTES = env_int("HIGHLIGHT_MAX_BYTES", 256 * 1024, minimum=0)
SNIPPETS_PER_PAGE = 20
# The web process counts snippet page views in memory and adds them to the rows this often (seconds): a crash
# loses at most this long's views, a clean stop none; the trending order lags by as much.
# The sidebar's "recent snippets" is rendered at most this often (seconds) per cache; a paste created or deleted
# on the site shows at once, an expiry within this delay.
RECENT_SNIPPETS_CACHE_SECONDS = env_int("RECENT_SNIPPETS_CACHE_SECONDS", 5, minimum=0, maximum=3600)
# How long a shared cache (nginx, a CDN) and browsers may keep a page that is the same for every anonymous visitor
# (djangobin/http_cache.py); 0: none is shared.
HTTP_CACHE_SECONDS = env_int("HTTP_CACHE_SECONDS", 5, minimum=0, maximum=3600)
SNIPPET_HITS_FLUSH_SECONDS = env_int("SNIPPET_HITS_FLUSH_SECONDS", 10, minimum=1, maximum=3600)

# --- Cache and rate limits -------------------------------------------------------------------------
# Rate-limit counts live in the default cache. With REDIS_URL they are shared by every web process (what
# production with several gunicorn workers needs); without it each process counts on its own (LocMem), which
# is exact for `make run`'s single development server.
REDIS_URL = env_str("REDIS_URL")
# Snippet pages kept for anonymous visitors are bounded by bytes in each web process: a page larger than the first
# is never kept, and past the second the least recently viewed are dropped (so four gunicorn workers hold at most
# four times PAGE_CACHE_MAX_BYTES of pages).
PAGE_CACHE_MAX_PAGE_BYTES = env_int("PAGE_CACHE_MAX_PAGE_BYTES", 256 * 1024, minimum=0)
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024, minimum=0)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("DJANGO_CACHE_PREFIX", "djangobin"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "djangobin"}
    ),
    # Snippet pages as anonymous visitors see them (djangobin/page_cache.py): always this process's own memory,
    # never a shared cache, so an unlisted snippet's page is never served from one.
    "pages": {
        "BACKEND": "djangobin.bytes_cache.ByteBoundedCache",
        "LOCATION": "djangobin-pages",
        "OPTIONS": {"MAX_BYTES": PAGE_CACHE_MAX_BYTES, "MAX_ENTRY_BYTES": PAGE_CACHE_MAX_PAGE_BYTES},
    },
}
# django-ratelimit lists only memcached and django-redis as supported caches: Django's own RedisCache does the
# same atomic INCR, and LocMem is shared within its process, which is what development runs.
RATELIMIT_SILENCED_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])

RATELIMIT_ENABLE = env_bool("DJANGO_RATELIMIT", True)
RATELIMIT_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
_RATE = re.compile(r"^\d+/\d*[smhd]$")


RATE_KINDS = ("ip", "account", "account_any_ip")


def env_rates(name, default):
    """`PER_IP[,PER_ACCOUNT[,PER_ACCOUNT_ANY_IP]]`, each like 10/h or 30/10m (s, m, h, d), or `off`:
    {"ip": …, "account": …, "account_any_ip": …}. The account limit counts an account from one client address,
    the last one counts it from all addresses together."""
    raw = env_str(name, default)
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) > len(RATE_KINDS):
        raise ImproperlyConfigured(
            f"{name}={raw!r}: give at most three rates, per IP, per account from one IP and per account from any IP."
        )
    rates = {}
    for kind, rate in zip(RATE_KINDS, [*parts, "off", "off"], strict=False):
        if rate.lower() in {"off", "", "0"}:
            continue
        if not _RATE.match(rate):
            raise ImproperlyConfigured(f"{name}={raw!r}: {rate!r} is not a rate like 10/h or 30/10m (or off).")
        rates[kind] = rate
    return rates


RATELIMITS = {
    "signup": env_rates("DJANGO_RATE_SIGNUP", "10/h"),
    "login": env_rates("DJANGO_RATE_LOGIN", "30/10m,10/15m,60/h"),
    "password_reset": env_rates("DJANGO_RATE_PASSWORD_RESET", "10/h,3/h,20/h"),
    "resend_activation": env_rates("DJANGO_RATE_RESEND_ACTIVATION", "10/h,3/h"),
    "contact": env_rates("DJANGO_RATE_CONTACT", "10/h"),
    "snippet": env_rates("DJANGO_RATE_SNIPPET", "60/h,120/h"),
}
# Search is a GET: limited per client address only (a page of results costs a full-text query).
RATELIMITS["search"] = env_rates("DJANGO_RATE_SEARCH", "60/m")

# Dramatiq over RabbitMQ. MIDDLEWARE replaces dramatiq's defaults entirely, so every one is listed here.
# RABBITMQ_URL may list several nodes of a cluster separated by ";": every process tries them in order and moves
# to the next when its node goes away. Each gets bounded connection timeouts (delivery.amqp.node_urls).
RABBITMQ_URL = env_str("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
RABBITMQ_URLS = node_urls(RABBITMQ_URL)
# classic (one node holds each queue) or quorum (replicated on a cluster); switching moves messages, see README.
RABBITMQ_QUEUE_TYPE = env_str("RABBITMQ_QUEUE_TYPE", "classic").lower()
if RABBITMQ_QUEUE_TYPE not in ("classic", "quorum"):
    raise ImproperlyConfigured(f"RABBITMQ_QUEUE_TYPE={RABBITMQ_QUEUE_TYPE!r}: use classic or quorum.")
# Quorum queues: deliveries of one message before it is dead-lettered (a message that kills its worker each time).
RABBITMQ_DELIVERY_LIMIT = env_int("RABBITMQ_DELIVERY_LIMIT", 20, minimum=1)
# RabbitMQ's consumer_timeout as the server sets it: no message is delayed longer than nine tenths of it.
RABBITMQ_CONSUMER_TIMEOUT_MS = env_int("RABBITMQ_CONSUMER_TIMEOUT_MS", 1_800_000, minimum=60_000)

DRAMATIQ_BROKER = {
    "BROKER": "delivery.broker.RabbitmqBroker",
    "OPTIONS": {
        "url": RABBITMQ_URLS,
        "confirm_delivery": True,
        "queue_type": RABBITMQ_QUEUE_TYPE,
        "delivery_limit": RABBITMQ_DELIVERY_LIMIT,
        "consumer_timeout_ms": RABBITMQ_CONSUMER_TIMEOUT_MS,
    },
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.ShutdownNotifications",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Pipelines",
        # Skips cancelled messages and those of paused queues before TaskHistory sees them start.
        "taskhistory.control.WorkerControl",
        # Before Retries, so its "after" hooks (run in reverse order) see what Retries decided.
        "taskhistory.middleware.TaskHistory",
        "dramatiq.middleware.Retries",
        "dramatiq.middleware.CurrentMessage",
        "actors.middleware.DbConnections",
        "actors.middleware.ActorListing",
        "actors.middleware.MailConnections",
        "delivery.middleware.OutboxRelay",
        "delivery.middleware.QueueCheck",
    ],
}
DRAMATIQ_AUTODISCOVER_MODULES = ["mail", "snippets", "renders", "dashboard"]

# Task history: kept this many days (DASHBOARD_RETENTION_DAYS is its old name, still read, with a warning).
TASKHISTORY_RETENTION_DAYS = env_int("TASKHISTORY_RETENTION_DAYS", 7, minimum=1)
# Dashboard (/dashboard/, staff only): a bearer token for /dashboard/api/ and /dashboard/metrics; the RabbitMQ
# management API (e.g. http://guest:guest@127.0.0.1:15672/) for unacked counts and rates.
DASHBOARD_API_TOKEN = env_str("DASHBOARD_API_TOKEN")
DASHBOARD_METRICS_TOKEN = env_str("DASHBOARD_METRICS_TOKEN")  # the older name of DASHBOARD_API_TOKEN, still read
RABBITMQ_MANAGEMENT_URL = env_str("RABBITMQ_MANAGEMENT_URL")

# Scheduler (`manage.py runscheduler`): the crontabs (on the wall clock of TIME_ZONE) that the required jobs' rows
# are created with (scheduler/jobs.py); the rows are edited at runtime afterwards.
SCHEDULER_PURGE_CRON = env_str("SCHEDULER_PURGE_CRON", "0 0 * * *")
# The sweep of snippets past their expiry, so a short-lived paste leaves the database soon after it expires.
SCHEDULER_EXPIRE_CRON = env_str("SCHEDULER_EXPIRE_CRON", "*/5 * * * *")
# The prune of task history older than TASKHISTORY_RETENTION_DAYS.
SCHEDULER_PRUNE_CRON = env_str("SCHEDULER_PRUNE_CRON", "30 0 * * *")
# The leader's lease, in seconds: heartbeats come every third of it, and a standby takes over from a dead
# leader within about 1⅓ of it.
SCHEDULER_LEASE_SECONDS = env_int("SCHEDULER_LEASE_SECONDS", 30, minimum=3)

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Preloading HSTS is a commitment for the whole domain that only its owner can make: off unless asked for, and
# then `check --deploy` need not warn about it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SILENCED_SYSTEM_CHECKS += RATELIMIT_SILENCED_CHECKS  # see "Cache and rate limits" above
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Scripts and styles only from the site's own files: no inline script or style anywhere (the admin included).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# Which sites may frame a snippet's embed view (/embed/<slug>/), as CSP frame-ancestors sources: that response
# alone relaxes frame-ancestors and drops X-Frame-Options; every other page keeps 'none'.
def env_csp_sources(name, default):
    """A comma-separated list of CSP sources; anything else (a ";" would start a directive of its own) stops start."""
    sources = env_list(name, default)
    for source in sources:
        if not re.fullmatch(r"[A-Za-z0-9*:/.\-\[\]']+", source):
            raise ImproperlyConfigured(f"{name}: {source!r} is not a CSP source (e.g. https://blog.example.com or *).")
    return sources


EMBED_FRAME_ANCESTORS = env_csp_sources("DJANGO_EMBED_FRAME_ANCESTORS", ["*"])
EMBED_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors " + (" ".join(EMBED_FRAME_ANCESTORS) or "'none'")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # The health endpoint logs its changes itself (dashboard/health_log.py), not an ERROR per 503 it answers; a
    # Dramatiq message is logged by actor and id, its arguments (addresses, for some mail) left out.
    "filters": {
        "health_polls": {"()": "dashboard.health_log.HealthPollFilter"},
        "message_arguments": {"()": "delivery.log_privacy.MessageArgumentsFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["message_arguments"]}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # pika logs every failed connection attempt at ERROR, several lines each; the outbox and dramatiq log
    # one line that says what happened and what follows, so pika speaks only of the unexpected.
    "loggers": {
        "django": {"level": "INFO"},
        "django.request": {"filters": ["health_polls"]},
        "pika": {"level": "CRITICAL"},
        "apscheduler": {"level": "WARNING"},
    },
}
