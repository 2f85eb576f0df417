"""The HTTP API, compatible with dpaste.com's v2 (what pastebinit, editor plugins and curl one-liners speak).

`POST /api/v2/` creates a snippet from form fields and answers 201 with its URL (the body and `Location`), or
JSON when asked for. Anonymous posts need no CSRF token and count against the paste form's rate limit. A
personal token (`Authorization: Bearer …`) posts as its account and may read or delete that account's snippets.
The session cookie is ignored here: without CSRF checks, a cookie would let any site post as a logged-in visitor.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from djangobin import selectors
from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.expiration import Expiration
from djangobin.forms import DETECT
from djangobin.models import POSTER_MAX_LENGTH, Exposure, Snippet
from djangobin.ratelimits import limit_wait, signed_in_user
from djangobin.services import snippets
from djangobin.services.api_tokens import api_token_user
from djangobin.sites import site_url

EXPIRY_DAYS_MAX = 365  # as dpaste.com
TITLE_MAX_LENGTH = Snippet._meta.get_field("title").max_length
BURN_WARNING = (
    "Burn after reading: the first read by anyone but its author (the token's account) deletes the snippet for good:"
    " at once on its raw and download URLs, once the reader confirms on its page."
)
# dpaste's expiry_days is any number of days; ours are the form's choices, so the nearest one is taken.
_EXPIRATION_DAYS = [(Expiration.WEEK, 7), (Expiration.MONTH, 30), (Expiration.SIX_MONTHS, 182), (Expiration.YEAR, 365)]
_TRUE = {"1", "true", "yes", "on"}


class ApiError(Exception):
    def __init__(self, message, status=400, headers=None):
        super().__init__(message)
        self.message, self.status, self.headers = message, status, headers or {}


def _error(message, status, headers=None):
    response = JsonResponse({"error": message}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_view(*methods):
    """CSRF-exempt, token-authenticated, JSON errors: `request.user` is the token's account or anonymous."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return _error(f"Use {' or '.join(methods)} here.", 405, {"Allow": ", ".join(methods)})
            try:
                request.user = _token_user(request)
                return view(request, *args, **kwargs)
            except ApiError as error:
                return _error(error.message, error.status, error.headers)

        return wrapper

    return decorator


def _token_user(request):
    header = request.headers.get("Authorization", "")
    if not header:
        return AnonymousUser()
    scheme, _, raw = header.partition(" ")
    user = api_token_user(raw=raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if user is None:
        raise ApiError("The API token is invalid or revoked.", 401, {"WWW-Authenticate": "Bearer"})
    return user


def _limit_text():
    return f"{settings.SNIPPET_MAX_BYTES:,} bytes ({settings.SNIPPET_MAX_BYTES // 1024} KiB)"


def _fields(request):
    try:
        return request.POST, request.FILES
    except RequestDataTooBig:
        raise ApiError(
            f"The request is larger than the server accepts. Snippets are limited to {_limit_text()}.", 413
        ) from None
    except TooManyFieldsSent:
        raise ApiError("The request has more fields than the server accepts.") from None


def _content(post, files):
    """The `content` field, sent as text (`-F content=<file`, urlencoded) or as a file (`-F content=@file`)."""
    if "content" in files:
        data = files["content"].read(settings.SNIPPET_MAX_BYTES + 1)
        try:
            content = data.decode()
        except UnicodeDecodeError:
            raise ApiError("content is not UTF-8 text.") from None
    else:
        content = post.get("content", "")
    if not content.strip():
        raise ApiError("content is required and may not be empty.")
    if "\x00" in content:
        raise ApiError("content contains a NUL character, which cannot be stored.")
    size = len(content.encode())
    if size > settings.SNIPPET_MAX_BYTES:
        raise ApiError(f"content is over the size limit: snippets are limited to {_limit_text()}.", 413)
    return content


def _text(post, name, max_length):
    value = post.get(name, "").strip()
    if "\x00" in value or "\n" in value or "\r" in value:
        raise ApiError(f"{name} may not contain line breaks or NUL characters.")
    if len(value) > max_length:
        raise ApiError(f"{name} is longer than {max_length} characters.")
    return value


def expiration_for_days(days: int) -> str:
    """The allowed expiration nearest to `days` (a tie goes to the shorter one)."""
    return min(_EXPIRATION_DAYS, key=lambda choice: abs(choice[1] - days))[0]


def _expiration(post, user):
    raw = post.get("expiry_days", "").strip()
    if not raw:
        return selectors.paste_defaults(user).get("expiration", Expiration.NEVER)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= EXPIRY_DAYS_MAX:
        raise ApiError(f"expiry_days must be a whole number of days from 1 to {EXPIRY_DAYS_MAX}.")
    return expiration_for_days(int(raw))


def _exposure(post, user):
    exposure = post.get("exposure", "").strip().lower() or Exposure.UNLISTED
    if exposure not in Exposure.values:
        raise ApiError(f"exposure must be one of: {', '.join(Exposure.values)}.")
    if exposure == Exposure.PRIVATE and not user.is_authenticated:
        raise ApiError("Private snippets need an API token.")
    return exposure


def _absolute_url(request, snippet):
    return site_url(request) + snippet.get_absolute_url()


def _snippet_json(request, snippet, *, content=False):
    data = {
        "url": _absolute_url(request, snippet),
        "slug": snippet.slug,
        "title": snippet.title,
        "syntax": snippet.language.lang_code,
        "poster": snippet.poster,
        "exposure": snippet.exposure,
        "created": snippet.created_on.isoformat(),
        "expires": snippet.expires_at.isoformat() if snippet.expires_at else None,
        "burn_after_reading": snippet.burn_after_reading,
    }
    if snippet.burn_after_reading:
        data["warning"] = BURN_WARNING
    if content:
        data["content"] = snippet.original_code
    return data


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@api_view("POST")
def snippet_create(request):
    wait = limit_wait(request, "snippet", per_account=signed_in_user)
    if wait:
        raise ApiError(f"Too many snippets from here: try again in {wait} s.", 429, {"Retry-After": str(wait)})
    post, files = _fields(request)
    user = request.user
    # "detect": Plain Text until the worker has guessed the language (as the form's "Detect").
    detect = post.get("syntax", "").strip().lower() == DETECT
    try:
        snippet = snippets.snippet_create(
            code=_content(post, files),
            language=selectors.language_for_syntax(alias="" if detect else post.get("syntax", "")),
            detect_language=detect,
            expiration=_expiration(post, user),
            exposure=_exposure(post, user),
            title=_text(post, "title", TITLE_MAX_LENGTH),
            poster=_text(post, "poster", POSTER_MAX_LENGTH),
            burn_after_reading=post.get("burn_after_reading", "").strip().lower() in _TRUE,
            user=user if user.is_authenticated else None,
        )
    except ValidationError as error:
        raise ApiError(" ".join(error.messages)) from None
    url = _absolute_url(request, snippet)
    if _wants_json(request):
        response = JsonResponse(_snippet_json(request, snippet), status=201)
    else:
        response = HttpResponse(url + "\n", status=201, content_type="text/plain; charset=utf-8")
        if snippet.burn_after_reading:
            response["X-Burn-After-Reading"] = BURN_WARNING
    response["Location"] = url
    return response


@api_view("GET")
def syntax_choices(request):
    """Every syntax alias this site stores, with its name (dpaste answers the same shape)."""
    return JsonResponse(selectors.syntax_choices())


@api_view("GET", "DELETE")
def snippet_detail(request, slug):
    if not request.user.is_authenticated:
        raise ApiError("Reading and deleting snippets need an API token.", 401, {"WWW-Authenticate": "Bearer"})
    try:
        snippet = selectors.snippet_get_visible(slug=slug, user=request.user)
    except SnippetNotFound:
        snippet = None
    except SnippetExpired:
        raise ApiError("The snippet has expired.", 410) from None
    if snippet is None or not snippet.is_owned_by(request.user):
        raise ApiError("No such snippet among this token's account's.", 404)
    if request.method == "DELETE":
        snippets.snippet_delete(snippet=snippet, user=request.user)
        return HttpResponse(status=204)
    return JsonResponse(_snippet_json(request, snippet, content=True))
