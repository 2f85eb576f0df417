"""What an HTTP cache may keep of a response: a shared one (nginx, Varnish, a CDN) or only the visitor's browser.

A response is shared only when it is the same for every visitor who could get it from the cache: its view says
so (`shared`), the request is an anonymous GET or HEAD with no session, no messages and no credentials, and the
answer is a 200 that sets no cookie (a form's CSRF cookie, a session started by the view, a message stored) and
shows no message. It then carries `Cache-Control: public, max-age=…, s-maxage=…` for `HTTP_CACHE_SECONDS` and
`Vary: Cookie`, since a signed-in visitor gets another page at the same URL. Every other response not marked by
its view is `private, no-store`: signed-in pages, the dashboard, forms, messages, errors. Pages that count a view
(a snippet page, a profile) are not shared either: a view a cache answered would never be counted. Deploying
behind a cache: deploy/nginx/djangobin.conf, and README "Behind nginx".

Raw and download answer with a strong ETag of what they send and 304 to an `If-None-Match` that matches it (weak
comparison, as RFC 9110 asks of that header), except a burn-after-reading snippet's, which is `no-store` and
has none: its first read deletes it, and nothing may answer for it afterwards.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from djangobin.models import Exposure

SHARED_ATTRIBUTE = "djangobin_shared"
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage, the first the default storage tries


def shared(view: Callable) -> Callable:
    """Mark `view`'s responses as the same for every anonymous visitor: a shared cache may keep them (see above)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, SHARED_ATTRIBUTE, True)
        return response

    return wrapper


def request_anonymous_plain(request: HttpRequest) -> bool:
    """True for a GET or HEAD without a session, messages or credentials: the request any visitor could send."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def response_cache_headers(request: HttpRequest, response: HttpResponse) -> None:
    """Say who may keep `response`: shared caches for a while, or the browser alone and not even there."""
    if response.has_header("Cache-Control"):
        return  # its view decided (burn after reading, a new token, raw and download)
    if (
        getattr(response, SHARED_ATTRIBUTE, False)
        and response.status_code == 200
        and not response.cookies
        and not _messages_touched(request)
        and request_anonymous_plain(request)
    ):
        _share(response)
    else:
        patch_cache_control(response, private=True, no_store=True)


def _messages_touched(request) -> bool:
    """Whether this request added a message or showed one: the page is then that visitor's."""
    storage = getattr(request, "_messages", None)
    return storage is not None and bool(storage.used or storage._queued_messages)


def _share(response):
    seconds = settings.HTTP_CACHE_SECONDS
    if seconds:
        patch_cache_control(response, public=True, max_age=seconds, s_maxage=seconds)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))


def snippet_etag(*parts: str) -> str:
    """A strong ETag of the bytes a response sends (and of what names them, such as a download's file name)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return f'"{digest.hexdigest()[:32]}"'


def snippet_text_response(request: HttpRequest, snippet, response: HttpResponse, *etag_parts: str) -> HttpResponse:
    """Raw or download: with its ETag (a 304 when the client holds it), shared when the snippet is public and the
    request anonymous, else kept by the browser and checked again at each use. A burn-after-reading one gets
    neither: its views (views/snippets.py, burn_on_read) make it `no-store`."""
    if snippet.burn_after_reading:
        return response
    etag = snippet_etag(*etag_parts)
    response["ETag"] = etag
    if snippet.exposure == Exposure.PUBLIC and request_anonymous_plain(request):
        _share(response)  # set here, not by the middleware: a 304 copies these headers from the response
    else:
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
    return get_conditional_response(request, etag=etag, response=response) or response
