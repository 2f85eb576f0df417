"""Rate limits on the forms that create accounts, send mail or store data: per client IP and per account.

Counting is django-ratelimit's (fixed windows in the default cache: Redis when REDIS_URL is set, so every
web process shares the counts). Rates come from settings.RATELIMITS, tuned or switched off from the
environment (see .env.example). Over a limit, the POST gets a 429 page; GET requests are never limited.
"""

import logging
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind our proxy the address it appended to X-Forwarded-For
    (the last one: anything before it was sent by the client and can be forged)."""
    if settings.RATELIMIT_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104  (a key, not a bind address)


def posted_email(group, request):
    """The account a login, reset or resend form names: one address, however it is spelt."""
    return request.POST.get("email", "").strip().lower()[:254]


def signed_in_user(group, request):
    return str(request.user.pk) if request.user.is_authenticated else ""


def _wait(request, name, kind, key):
    """Seconds until this limit lets `request` through again; 0 when it is not exceeded."""
    rate = settings.RATELIMITS.get(name, {}).get(kind)
    if not rate:
        return 0
    try:
        usage = get_usage(request, group=f"djangobin.{name}.{kind}", key=key, rate=rate, method="POST", increment=True)
    except Exception:
        # A cache that is down must not take the site down with it: let the request through, loudly.
        logger.exception("Rate limit %s.%s could not be checked; the request is let through.", name, kind)
        return 0
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])


def limit_wait(request, name, *, per_account=None):
    """Count a POST against settings.RATELIMITS[name]; the seconds to wait when over a limit, else 0.

    "ip" counts per client address, "account" per `per_account(name, request)` when that gives a key.
    """
    if request.method != "POST" or not settings.RATELIMIT_ENABLE:
        return 0
    wait = _wait(request, name, "ip", lambda group, request: client_ip(request))
    if per_account is not None and per_account(name, request):
        wait = max(_wait(request, name, "account", per_account), wait)
    if wait:
        logger.warning("Rate limit %s exceeded by %s.", name, client_ip(request))
    return wait


def ratelimited(name, *, per_account=None):
    """Limit POSTs to a view by settings.RATELIMITS[name]: "ip" per client address, "account" per `per_account`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if limit_wait(request, name, per_account=per_account):
                return render(request, "djangobin/ratelimited.html", {"limit": name}, status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
