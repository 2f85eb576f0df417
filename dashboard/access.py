"""Who may see the dashboard: staff only (anonymous → the admin login, others → 403); the JSON API, the health
check and the metrics also by a read-only bearer token, and they refuse in JSON (401 or 403), never by redirect."""

import functools
import hmac

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache

from . import conf


def staff_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("The dashboard is for staff only.")
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


OPERATE = "dashboard.operate"


def operator_required(view):
    """staff_required, and the `dashboard.operate` permission for actions: other staff may look, not act."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(OPERATE):
            raise PermissionDenied("Dashboard actions need the “Can retry tasks…” (dashboard.operate) permission.")
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


def _bearer(request):
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _refused(status, error):
    """A machine's refusal: JSON it can log, and for 401 the scheme to answer with (RFC 6750), never a redirect
    to an HTML login a probe or a scraper cannot follow."""
    response = JsonResponse({"error": error}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="djangobin dashboard"'
    return response


def staff_or_api_token(view):
    """`Authorization: Bearer <DASHBOARD_API_TOKEN>` or a staff session passes; anything else is refused in JSON:
    401 without a valid token or a session, 403 for a signed-in user who is not staff.

    Only for views that change nothing (the token is read-only): every one it wraps also has require_GET.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        presented, expected = _bearer(request), conf.api_token()
        if presented is not None:
            if expected and hmac.compare_digest(presented.encode(), expected.encode()):
                return view(request, *args, **kwargs)
            return _refused(401, "A valid bearer token is required.")
        user = request.user
        if not user.is_authenticated:
            return _refused(401, "Send Authorization: Bearer <DASHBOARD_API_TOKEN>, or sign in as staff.")
        if not (user.is_active and user.is_staff):
            return _refused(403, "The dashboard is for staff only.")
        return view(request, *args, **kwargs)

    return never_cache(wrapper)
