"""Who may see the dashboard: staff only (anonymous → the admin login, others → 403); the JSON API and the
metrics also by a read-only bearer token."""

import functools
import hmac

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
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


def staff_or_api_token(view):
    """`Authorization: Bearer <DASHBOARD_API_TOKEN>` passes; a request without one goes through staff_required.

    Only for views that change nothing (the token is read-only): every one it wraps also has require_GET.
    """
    staff_view = staff_required(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        presented, expected = _bearer(request), conf.api_token()
        if presented is None:
            return staff_view(request, *args, **kwargs)
        if expected and hmac.compare_digest(presented.encode(), expected.encode()):
            return view(request, *args, **kwargs)
        response = HttpResponse("A valid bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="djangobin dashboard"'
        return response

    return never_cache(wrapper)
