"""Rate limits on the forms that create accounts, send mail or store data: per client IP and per account.

Counting is django-ratelimit's (fixed windows in the default cache: Redis when REDIS_URL is set, so every
web process shares the counts). Rates come from settings.RATELIMITS, tuned or switched off from the
environment (see .env.example). Over a limit, the POST gets a 429 page; GET requests are never limited.
"""

import logging
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage, is_ratelimited

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


def _exceeded(request, name, kind, key):
    rate = settings.RATELIMITS.get(name, {}).get(kind)
    if not rate:
        return False
    try:
        return is_ratelimited(
            request, group=f"djangobin.{name}.{kind}", key=key, rate=rate, method="POST", increment=True
        )
    except Exception:
        # A cache that is down must not take the site down with it: let the request through, loudly.
        logger.exception("Rate limit %s.%s could not be checked; the request is let through.", name, kind)
        return False


def ratelimited(name, *, per_account=None):
    """Limit POSTs to a view by settings.RATELIMITS[name]: "ip" per client address, "account" per `per_account`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and settings.RATELIMIT_ENABLE:
                over = _exceeded(request, name, "ip", lambda group, request: client_ip(request))
                if per_account is not None and per_account(name, request):
                    over = _exceeded(request, name, "account", per_account) or over
                if over:
                    logger.warning("Rate limit %s exceeded by %s.", name, client_ip(request))
                    return render(request, "djangobin/ratelimited.html", {"limit": name}, status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def limit_wait(request, name, *, per_account=None):
    """For views that answer a limit themselves (the API's JSON 429): count this POST against
    settings.RATELIMITS[name] as `ratelimited` does, and return the seconds until it is let through, 0 if now."""
    if request.method != "POST" or not settings.RATELIMIT_ENABLE:
        return 0
    keys = {"ip": lambda group, request: client_ip(request)}
    if per_account is not None and per_account(name, request):
        keys["account"] = per_account
    waits = [0]
    for kind, key in keys.items():
        rate = settings.RATELIMITS.get(name, {}).get(kind)
        try:
            usage = rate and get_usage(
                request, group=f"djangobin.{name}.{kind}", key=key, rate=rate, method="POST", increment=True
            )
        except Exception:
            logger.exception("Rate limit %s.%s could not be checked; the request is let through.", name, kind)
            usage = None
        if usage and usage["should_limit"]:
            waits.append(max(1, usage["time_left"]))
    if max(waits):
        logger.warning("Rate limit %s exceeded by %s.", name, client_ip(request))
    return max(waits)
