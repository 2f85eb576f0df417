"""Rate limits on the forms that create accounts, send mail or store data: per client IP and per account
(the account together with the client IP, so that one client cannot spend another's limit), and, with a higher
limit, per account across every address, so that guesses spread over many addresses are bounded too.

Counting is django-ratelimit's (fixed windows in the default cache: Redis when REDIS_URL is set, so every
web process shares the counts). Rates come from settings.RATELIMITS, tuned or switched off from the
environment (see .env.example). Over a limit, the POST gets a 429 page; a GET only where the view asks (search).
"""

import logging
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage, is_ratelimited

from djangobin.selectors import user_for_login

logger = logging.getLogger(__name__)


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind our proxy the address it appended to X-Forwarded-For
    (the last one: anything before it was sent by the client and can be forged)."""
    if settings.RATELIMIT_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104  (a key, not a bind address)


def posted_account(field: str) -> "PostedAccount":
    """A key function: the account a form names in `field` together with the client's address (see PostedAccount)."""
    return PostedAccount(field)


class PostedAccount:
    """A key function: the account a form names in `field` together with the client's address; and, as
    `.anywhere`, that account alone, for a higher limit counted across every address.

    Keyed on both, so that nobody can spend someone else's limit: guesses from one address lock that address out
    of the account, while the owner, from their own address, still logs in (or gets their reset mail). The limit
    across addresses bounds guessing spread over many addresses, at the cost of pausing the owner's logins too.
    Whatever spelling names the account (username, email address, in any case) counts as that account; a name
    of no account counts as itself, lower-cased, so it is limited alike and the limit tells nothing of who exists.
    """

    def __init__(self, field: str):
        self.field = field

    def account(self, request) -> str:
        """The account the form names: `user:<pk>`, or `name:<what was typed>` when it names none; "" if blank."""
        cache = request.__dict__.setdefault("_posted_accounts", {})
        if self.field not in cache:
            typed = request.POST.get(self.field, "").strip()[:254]
            user = user_for_login(typed) if typed and "\x00" not in typed else None
            cache[self.field] = f"user:{user.pk}" if user else (f"name:{typed.lower()}" if typed else "")
        return cache[self.field]

    def __call__(self, group, request) -> str:
        account = self.account(request)
        return f"{account}|{client_ip(request)}" if account else ""

    def anywhere(self, group, request) -> str:
        return self.account(request)


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


def _keys(name, request, per_account):
    """The counts a POST goes into, by kind of limit: its address, and the account it names if it names one."""
    keys = {"ip": _client_address}
    if per_account is not None and per_account(name, request):
        keys["account"] = per_account
        if hasattr(per_account, "anywhere"):
            keys["account_any_ip"] = per_account.anywhere
    return keys


def ratelimited(name, *, per_account=None, failures_only=False):
    """Limit POSTs to a view by settings.RATELIMITS[name]: "ip" per client address, "account" per `per_account`,
    and "account_any_ip" per the account alone where `per_account` names one (see `posted_account`).

    With `failures_only`, only a POST the view answers without a redirect counts (a form that worked redirects,
    one that failed is shown again), and a POST is refused once a count has reached its limit: a correct login
    never spends the allowance.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST" or not settings.RATELIMIT_ENABLE:
                return view(request, *args, **kwargs)
            keys = _keys(name, request, per_account)
            usages = {kind: _usage(request, name, kind, key, increment=not failures_only) for kind, key in keys.items()}
            if failures_only:
                over = [kind for kind, usage in usages.items() if usage and usage["count"] >= usage["limit"]]
            else:
                over = [kind for kind, usage in usages.items() if usage and usage["should_limit"]]
            if over:
                logger.warning("Rate limit %s (%s) exceeded by %s.", name, ", ".join(over), client_ip(request))
                wait = max(usages[kind]["time_left"] for kind in over)
                context = {"limit": name, "account_wide": over == ["account_any_ip"], "wait_minutes": -(-wait // 60)}
                return render(request, "djangobin/ratelimited.html", context, status=429)
            response = view(request, *args, **kwargs)
            if failures_only and not 300 <= response.status_code < 400:
                for kind, key in keys.items():
                    _usage(request, name, kind, key, increment=True)
            return response

        return wrapper

    return decorator


def ratelimited_reads(name):
    """Limit GETs to a view per client address by settings.RATELIMITS[name]["ip"]: for pages that are costly
    to answer (search), where a POST limit would never apply."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            rate = settings.RATELIMITS.get(name, {}).get("ip")
            if request.method == "GET" and settings.RATELIMIT_ENABLE and rate:
                try:
                    over = is_ratelimited(
                        request,
                        group=f"djangobin.{name}.ip",
                        key=lambda group, request: client_ip(request),
                        rate=rate,
                        method="GET",
                        increment=True,
                    )
                except Exception:
                    logger.exception("Rate limit %s could not be checked; the request is let through.", name)
                    over = False
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
    keys = _keys(name, request, per_account)
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
