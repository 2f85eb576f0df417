"""Rate limits on the forms that create accounts, send mail or store data: per client IP and per account
(the account together with the client IP, so that one client cannot spend another's limit).

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


def posted_account(field):
    """A key function: the account a form names in `field` (however it is spelt) together with the client's address.

    Keyed on both, so that nobody can spend someone else's limit: guesses from one address lock that address out
    of the account, while the owner, from their own address, still logs in (or gets their reset mail).
    """

    def key(group, request):
        account = request.POST.get(field, "").strip().lower()[:254]
        return f"{account}|{client_ip(request)}" if account else ""

    return key


def signed_in_user(group, request):
    return str(request.user.pk) if request.user.is_authenticated else ""


def _usage(request, name, kind, key, *, increment):
    """django-ratelimit's count for this request under RATELIMITS[name][kind], or None (limit off, cache down)."""
    rate = settings.RATELIMITS.get(name, {}).get(kind)
    if not rate:
        return None
    try:
        return get_usage(
            request, group=f"djangobin.{name}.{kind}", key=key, rate=rate, method="POST", increment=increment
        )
    except Exception:
        # A cache that is down must not take the site down with it: let the request through, loudly.
        logger.exception("Rate limit %s.%s could not be checked; the request is let through.", name, kind)
        return None


def _client_address(group, request):
    return client_ip(request)


def ratelimited(name, *, per_account=None, failures_only=False):
    """Limit POSTs to a view by settings.RATELIMITS[name]: "ip" per client address, "account" per `per_account`.

    With `failures_only`, only a POST the view answers without a redirect counts (a form that worked redirects,
    one that failed is shown again), and a POST is refused once a count has reached its limit: a correct login
    never spends the allowance.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST" or not settings.RATELIMIT_ENABLE:
                return view(request, *args, **kwargs)
            keys = {"ip": _client_address}
            if per_account is not None and per_account(name, request):
                keys["account"] = per_account
            usages = [_usage(request, name, kind, key, increment=not failures_only) for kind, key in keys.items()]
            if failures_only:
                over = any(usage and usage["count"] >= usage["limit"] for usage in usages)
            else:
                over = any(usage and usage["should_limit"] for usage in usages)
            if over:
                logger.warning("Rate limit %s exceeded by %s.", name, client_ip(request))
                return render(request, "djangobin/ratelimited.html", {"limit": name}, status=429)
            response = view(request, *args, **kwargs)
            if failures_only and not 300 <= response.status_code < 400:
                for kind, key in keys.items():
                    _usage(request, name, kind, key, increment=True)
            return response

        return wrapper

    return decorator
