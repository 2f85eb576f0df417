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
from djangobin.forms import ApiSnippetForm
from djangobin.ratelimits import limit_wait, signed_in_user
from djangobin.services import snippets
from djangobin.services.api_tokens import api_token_user
from djangobin.sites import site_url
from djangobin.validators import snippet_file_text

BURN_WARNING = (
    "Burn after reading: the first read by anyone but its author (the token's account) deletes the snippet for good:"
    " at once on its raw and download URLs, once the reader confirms on its page."
)


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
    """The POST's fields and files; a body over the server's bound is a 413 naming the limit."""
    try:
        return request.POST, request.FILES
    except RequestDataTooBig:
        raise ApiError(
            f"The request is larger than the server accepts. Snippets are limited to {_limit_text()}.", 413
        ) from None
    except TooManyFieldsSent:
        raise ApiError("The request has more fields than the server accepts.") from None


def _paste_data(post, files):
    """The fields as the API form binds them: `content` sent as a file (`-F content=@file`) is read in as text."""
    data = post.copy()
    if "content" in files:
        try:
            data["content"] = snippet_file_text(files["content"])
        except ValidationError as error:
            raise ApiError(f"content: {error.messages[0]}") from None
    return data


def _form_error(form):
    """The first of the form's errors as the API answers it: "field: message", 413 for content over the limit."""
    field, errors = next(iter(form.errors.as_data().items()))
    error = errors[0]
    status = 413 if error.code == "too_large" else 400
    return ApiError(f"{field}: {error.messages[0]}", status)


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
    user = request.user
    form = ApiSnippetForm(_paste_data(*_fields(request)), user=user)
    if not form.is_valid():
        raise _form_error(form)
    data = form.cleaned_data
    language, detect = data["syntax"]
    try:
        snippet = snippets.snippet_create(
            code=data["content"],
            language=language,
            detect_language=detect,
            expiration=data["expiration"],
            lifetime=data["lifetime"],
            exposure=data["exposure"],
            title=data["title"].strip(),
            poster=data["poster"].strip(),
            burn_after_reading=data["burn_after_reading"],
            user=user if user.is_authenticated else None,
        )
    except ValidationError as error:
        raise ApiError(" ".join(error.messages), 413 if error.code == "too_large" else 400) from None
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
