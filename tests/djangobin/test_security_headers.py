"""Point 8: every page carries a Content-Security-Policy without inline script, and needs none."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_snippet, make_user
from tests.support.html_checks import inline_code

pytestmark = pytest.mark.django_db


def assert_hardened(response):
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_inline_finder_finds_what_the_policy_blocks():
    page = (
        '<script src="/s.js"></script><script type="application/json">{"a": 1}</script>'
        '<script>alert(1)</script><p style="color:red" onclick="x()"><a href="javascript:x()">x</a><style>p{}</style>'
    )
    assert len(inline_code(page)) == 5


def admin_urls(superuser):
    """Every admin page of every registered model: changelist, add form, and change, history and delete of one."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    as_superuser = SimpleNamespace(user=superuser)
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(as_superuser):
            urls.append(reverse(f"{prefix}_add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls += [reverse(f"{prefix}_{page}", args=[obj.pk]) for page in ("change", "history")]
            if model_admin.has_delete_permission(as_superuser, obj):  # a required scheduler job has none
                urls.append(reverse(f"{prefix}_delete", args=[obj.pk]))
    return urls


def test_the_admin_login_page_is_hardened_and_has_no_inline_code(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert_hardened(response)
    assert inline_code(response.content.decode()) == []


def test_every_admin_page_is_hardened_and_has_no_inline_code(client):
    superuser = make_user(is_staff=True, is_superuser=True)
    make_snippet(title="shown in the admin", tags=["csp"], user=superuser)
    from djangobin.models import Feedback

    Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="m")
    client.force_login(superuser)

    checked = 0
    for url in admin_urls(superuser):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)
        assert inline_code(response.content.decode()) == [], url
        checked += 1
    assert checked > 10


def test_raw_snippets_keep_their_own_stricter_sandbox_policy(client):
    snippet = make_snippet(code="<script>alert(1)</script>")
    response = client.get(reverse("djangobin:snippet_raw", args=[snippet.slug]))
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


def site_pages(client):
    """Every page of the site a visitor or a signed-in user can open, error pages included."""
    from datetime import timedelta

    from django.utils import timezone

    from djangobin.models import Snippet

    owner = make_user(username="owner")
    snippet = make_snippet(title="a page", tags=["csp"], user=owner)
    gone = make_snippet(title="gone")
    burning = make_snippet(title="burns", burn_after_reading=True)  # its page asks to confirm ("Show and delete")
    Snippet.objects.filter(pk=gone.pk).update(expires_at=timezone.now() - timedelta(days=1))
    anonymous = [
        "/",
        "/about/",
        "/eula/",
        "/contact/",
        "/signup/",
        "/login/",
        "/activate/resend/",
        "/activate/MQ/bad-token/",
        "/password-reset/",
        "/password-reset/done/",
        "/password-reset/confirm/MQ/bad-token/",
        "/password-reset/complete/",
        "/trending/",
        "/trending/python/",
        "/tag/csp/",
        "/user/owner/",
        "/search/?query=page",
        f"/{snippet.slug}/",
        f"/{gone.slug}/",
        f"/{burning.slug}/",
        "/no-such-snippet/",
        "/sitemap.xml",
    ]
    signed_in = ["/", "/settings/", "/userdetails/", "/password-change/", "/password-change/done/", "/user/owner/"]
    return owner, anonymous, signed_in


def test_every_site_page_is_hardened_and_has_no_inline_code(client):
    owner, anonymous, signed_in = site_pages(client)
    pages = [(url, client.get(url, follow=True)) for url in anonymous]
    client.force_login(owner)
    pages += [(url, client.get(url, follow=True)) for url in signed_in]
    for url, response in pages:
        assert response.status_code in (200, 404, 410), url
        assert_hardened(response)
        if response["Content-Type"].startswith("text/html"):
            assert inline_code(response.content.decode()) == [], url


def test_the_too_many_requests_and_bad_request_pages_are_hardened_too(client, settings):
    from django.core.cache import cache

    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {"contact": {"ip": "1/h"}}
    cache.clear()
    data = {"name": "Ann", "email": "ann@example.com", "purpose": "bug", "message": "m"}
    client.post("/contact/", data)
    limited = client.post("/contact/", data)
    assert limited.status_code == 429
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    too_big = client.post("/", {"original_code": "x" * 5000})
    assert too_big.status_code == 413
    assert "Snippets are limited to" in too_big.content.decode()
    for response in (limited, too_big):
        assert_hardened(response)
        assert inline_code(response.content.decode()) == []
    cache.clear()
