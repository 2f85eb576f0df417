"""Response headers the site adds to every page."""

from django.conf import settings


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
