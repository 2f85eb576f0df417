"""Point 8, on a real server in production mode (DJANGO_DEBUG=0) behind an HTTPS proxy: HSTS, secure cookies,
the Content-Security-Policy and the other hardening headers. (`check --deploy` and the refusal to start without
DJANGO_SECRET_KEY are shown by tests/integration/test_production.py.)"""

import http.cookiejar

import pytest

from tests.support.system import System

pytestmark = [pytest.mark.integration, pytest.mark.one_database]


class _SecureCookiesOverTheProxy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "EMAIL_HOST": "127.0.0.1",
    "DJANGO_SECRET_KEY": "k2V9rQ_production-like-secret-7XcJm3pL0tYw8sZbN4fHq6dGe1uAiRoKvTnMxCyBzWj5",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_BEHIND_PROXY": "1",
}


def test_over_https_in_production_every_response_is_hardened_and_cookies_are_secure(tmp_path, rabbitmq_vhost):
    system = System(
        tmp_path / "system", rabbitmq_vhost.url, env={**PRODUCTION, "DJANGO_STATIC_ROOT": str(tmp_path / "static")}
    )
    try:
        system.manage("collectstatic", "--noinput", "-v", "0")  # pages name hashed static files in production
        system.shell(
            "from django.contrib.auth import get_user_model\n"
            "get_user_model().objects.create_user('ann', 'ann@example.com', 'pw-Xy-123456!')"
        )
        web = system.start_web()
        client = system.client(web)
        # What a browser behind the TLS-terminating proxy sends: the proxy's X-Forwarded-Proto, the page's origin
        # (CSRF checks it on HTTPS), and the secure cookies it got (the test talks plain HTTP to the proxy's side).
        https_origin = web.base_url.replace("http://", "https://")
        client._opener.addheaders = [("X-Forwarded-Proto", "https"), ("Origin", https_origin)]
        client.cookies.set_policy(_SecureCookiesOverTheProxy())

        page = client.get("/login/")
        logged_in = client.post("/login/", {"username": "ann@example.com", "password": "pw-Xy-123456!"})
        assert logged_in.status == 302
        for response in (page, logged_in, client.get("/no-such-page/"), client.get("/about/")):
            headers = response.headers
            assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
            assert "script-src 'self'" in headers["Content-Security-Policy"]
            assert "unsafe-inline" not in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "same-origin"
            assert headers["X-Frame-Options"] == "DENY"
        cookies = {cookie.name: cookie for cookie in client.cookies}
        assert cookies["csrftoken"].secure
        assert cookies["sessionid"].secure
        assert cookies["sessionid"].has_nonstandard_attr("HttpOnly")
    finally:
        system.stop()
