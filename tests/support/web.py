"""A small HTTP client for tests against a real server: cookies, CSRF tokens, no automatic redirects."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict
    body: str

    @property
    def location(self):
        return self.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class WebClient:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def _open(self, request, timeout):
        try:
            with self._opener.open(request, timeout=timeout) as raw:
                return Response(raw.status, dict(raw.headers), raw.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read().decode("utf-8", "replace"))

    def url(self, path):
        return path if path.startswith("http") else self.base_url + path

    def get(self, path, timeout=30):
        return self._open(urllib.request.Request(self.url(path)), timeout)

    def post(self, path, data, timeout=30, csrf_from=None):
        """POST a form the way a browser does: first GET the page (or `csrf_from`) for its CSRF token."""
        page = self.get(csrf_from or path)
        match = _CSRF_INPUT.search(page.body)
        fields = dict(data)
        if match:
            fields.setdefault("csrfmiddlewaretoken", match.group(1))
        return self.submit(path, fields, timeout)

    def submit(self, path, fields, timeout=30):
        """POST `fields` as a form, as they are (a CSRF token included or not): one request, nothing before it."""
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(self.url(path), data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request, timeout)
