"""A small HTTP client for tests against a real server: cookies, CSRF tokens, no automatic redirects."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
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


def encode_multipart(boundary, fields):
    """`fields` ({name: str}) as a browser sends a form with enctype="multipart/form-data": values as they are."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


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

    def submit(self, path, fields, timeout=30, multipart=False):
        """POST `fields` as a form, as they are (a CSRF token included or not): one request, nothing before it.

        `multipart` encodes them as a form with enctype="multipart/form-data" is sent, else url-encoded."""
        if multipart:
            boundary = uuid.uuid4().hex
            body = encode_multipart(boundary, fields)
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url(path), data=body, method="POST")
        request.add_header("Content-Type", content_type)
        return self._open(request, timeout)
