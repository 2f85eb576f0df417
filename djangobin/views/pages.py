"""The site's other pages: the contact form, the 400 page (413 for a body over the size limit), and the two files
every browser and crawler asks for at the root, /favicon.ico and /robots.txt."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from djangobin.forms import ContactForm
from djangobin.ratelimits import ratelimited
from djangobin.services import feedback


@require_http_methods(["GET", "POST"])
@ratelimited("contact")
def contact(request):
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            feedback.feedback_create(**form.cleaned_data)
            messages.success(request, "Thanks for your feedback: it is on its way to the admins.")
            return redirect("djangobin:contact")
    else:
        form = ContactForm()
    return render(request, "djangobin/contact.html", {"form": form})


def bad_request(request, exception):
    """The 400 page, saying why when the reason is one the user can act on; a body too large (a paste or an upload
    over the size limit, see djangobin/uploads.py) gets it as a 413."""
    if isinstance(exception, RequestDataTooBig):
        reason = (
            f"The form was larger than the server accepts. Snippets are limited to "
            f"{settings.SNIPPET_MAX_BYTES:,} bytes ({settings.SNIPPET_MAX_BYTES // 1024} KiB)."
        )
        return render(request, "400.html", {"reason": reason, "status": 413, "title": "Request too large"}, status=413)
    reason = "The request could not be understood."
    if isinstance(exception, TooManyFieldsSent):
        reason = "The form had more fields than the server accepts."
    return render(request, "400.html", {"reason": reason}, status=400)


ROOT_FILE_SECONDS = 24 * 3600
# What crawlers should leave alone: copies of a snippet's code (its page is the one to index), the API, and the
# staff's pages. Everything else (pastes, lists, profiles, the sitemap) may be crawled.
ROBOTS_DISALLOWED = (
    ("djangobin:snippet_raw", ["x"]),
    ("djangobin:snippet_download", ["x"]),
    ("djangobin:api_snippet_create", []),
    ("dashboard:overview", []),
)


@functools.cache
def _favicon_bytes() -> bytes:
    with open(finders.find("djangobin/favicon.ico"), "rb") as icon:  # scripts/favicon-ico draws it from the SVG
        return icon.read()


@require_safe
@cache_control(public=True, max_age=ROOT_FILE_SECONDS)
def favicon(request):
    """The site's icon, for what asks /favicon.ico instead of reading the pages' <link rel="icon">."""
    return HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")


def _first_segment(name, args):
    """ "/raw/" for the URL "/raw/<slug>/": taken from the URLconf, so robots.txt and the URLs never disagree."""
    return "/" + reverse(name, args=args).split("/")[1] + "/"


@require_safe
@cache_control(public=True, max_age=ROOT_FILE_SECONDS)
def robots(request):
    lines = ["User-agent: *", *(f"Disallow: {_first_segment(name, args)}" for name, args in ROBOTS_DISALLOWED)]
    sitemap = request.build_absolute_uri(reverse("django.contrib.sitemaps.views.sitemap"))
    return HttpResponse("\n".join([*lines, "Allow: /", "", f"Sitemap: {sitemap}", ""]), content_type="text/plain")
