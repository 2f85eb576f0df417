"""Response headers the site adds to every page, and the page for a full password-hash queue."""

from django.conf import settings
from django.shortcuts import render

from djangobin.hashers import HashingBusy
from djangobin.http_cache import response_cache_headers

# A hash takes a fraction of a second: a client told to wait this long finds the queue moved on.
RETRY_AFTER_SECONDS = 5


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every response that does not set its own.

    The policy allows scripts and styles from the site's own static files only: no inline <script>, no
    style="" attribute, no event-handler attribute, nothing from another origin. The raw and download
    views set a stricter policy (a sandbox) of their own, which is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response


class CacheHeadersMiddleware:
    """Give every response the Cache-Control its view did not set (djangobin/http_cache.py has the rule).

    It sits above the session, CSRF and messages middleware so that it sees the cookies they set: a response that
    sets one is never shared."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response_cache_headers(request, response)
        return response


class HashingBusyMiddleware:
    """Answer a request that found its process's password-hash queue full (djangobin/hashers.py) with a 503 page
    that says to try again, wherever the hash was asked for: sign-up, log-in, password forms, the admin's log-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, HashingBusy):
            return None
        response = render(request, "djangobin/busy.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
