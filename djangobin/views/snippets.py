"""A snippet's own pages: the page (with burn-after-reading's confirmation), its render, raw, download, delete.

The shared parts of every snippet URL live here too: resolving the slug to a snippet the request may see, and
burning a burn-after-reading snippet for the one reader allowed to read it (the rule itself is
services.burn.snippet_read_burns; this module only carries the request's part of it, the browser's own pastes).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from djangobin import forks, http_cache, page_cache, selectors
from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.services import burn, snippets

SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'"}
FORKS_SHOWN = 20
AUTHORED_SESSION_KEY = "djangobin_authored"
AUTHORED_REMEMBERED = 20


def snippet_view(view):
    """Resolve the URL's slug to a snippet the request may see: 404 if none (or private), 410 once expired."""

    @wraps(view)
    def wrapper(request, slug):
        try:
            snippet = selectors.snippet_get_visible(slug=slug, user=request.user)
        except SnippetNotFound:
            raise Http404("No such snippet.") from None
        except SnippetExpired:
            return render(request, "djangobin/gone.html", status=410)
        return view(request, snippet)

    return wrapper


def authored_slugs(request) -> list[str]:
    """The burn-after-reading snippets this browser wrote anonymously (an anonymous author has no account)."""
    return request.session.get(AUTHORED_SESSION_KEY, [])


def authored_remember(request, snippet) -> None:
    """Let this browser read its own burn-after-reading snippet without burning it."""
    request.session[AUTHORED_SESSION_KEY] = [*authored_slugs(request), snippet.slug][-AUTHORED_REMEMBERED:]


def _read_burns(request, snippet) -> bool:
    return burn.snippet_read_burns(snippet=snippet, user=request.user, authored_slugs=authored_slugs(request))


def fork_source(request, slug):
    """The snippet a paste may be forked from, or None (gone, private, or someone else's burn-after-reading)."""
    try:
        return forks.snippet_fork_source_get(slug=slug, user=request.user, authored_slugs=authored_slugs(request))
    except (SnippetNotFound, SnippetExpired):
        return None


def _burn(snippet):
    """Burn `snippet` for this request, which may then show it; 404 unless this request's DELETE removed the row."""
    prefetch_related_objects([snippet], "tags", "render")  # the tag links and the render go with the row
    if not burn.snippet_burn(snippet_id=snippet.pk):
        raise Http404("No such snippet.")
    snippet.burned = True


def _no_store(response):
    response["Cache-Control"] = "no-store"  # no copy anywhere to outlive the snippet
    return response


def burn_on_read(view):
    """A view that hands a snippet's code to terminal clients (raw, download), which cannot confirm: the first GET
    of a burn-after-reading snippet by anyone but its author deletes it, and only the request whose DELETE removed
    the row may show it (others get 404). A HEAD (link checkers, `curl -I`) gets the headers alone and burns nothing.
    """

    @wraps(view)
    def wrapper(request, snippet):
        snippet.burned = False
        if not snippet.burn_after_reading:
            return view(request, snippet)
        if request.method == "HEAD":
            response = view(request, snippet)
            length = len(response.content)
            response.content = b""  # the code never leaves the view, whatever the server does with a HEAD
            response["Content-Length"] = str(length)
            return _no_store(response)
        if _read_burns(request, snippet):
            _burn(snippet)
        return _no_store(view(request, snippet))

    return wrapper


def burn_on_confirm(view):
    """The snippet page's burn: link checkers and chat unfurlers GET (or HEAD) a page nobody reads, so a reader of a
    burn-after-reading snippet other than its author first gets a page asking them to confirm, without the code;
    their POST ("Show and delete") burns it, and only the POST whose DELETE removed the row shows it (others 404)."""

    @wraps(view)
    def wrapper(request, snippet):
        snippet.burned = False
        if _read_burns(request, snippet):
            if request.method != "POST":
                return _no_store(render(request, "djangobin/snippet_burn_confirm.html", {"snippet": snippet}))
            _burn(snippet)
        elif request.method == "POST":
            return redirect(snippet)  # nothing to confirm: the author, or an ordinary snippet
        response = view(request, snippet)
        return _no_store(response) if snippet.burn_after_reading else response

    return wrapper


@require_http_methods(["GET", "HEAD", "POST"])
@snippet_view
@burn_on_confirm
def snippet_detail(request, snippet):
    if not snippet.burned:
        snippet.hits += snippets.snippet_hit(snippet_id=snippet.pk)  # this view and this process's unflushed ones
    kept = page_cache.snippet_page_get(request=request, snippet=snippet)
    if kept is not None:
        return HttpResponse(kept)
    hits, snippet.hits = snippet.hits, page_cache.HITS_MARKER
    code = selectors.snippet_code_view(snippet=snippet)
    context = {
        "snippet": snippet,
        "code": code,
        "tags": snippet.tags.all(),
        "is_owner": snippet.is_owned_by(request.user),
        "fork_source": forks.snippet_fork_source_shown(snippet=snippet, user=request.user),
        "forks": forks.snippet_forks_visible(snippet=snippet, user=request.user)[: FORKS_SHOWN + 1],
        "forks_shown": FORKS_SHOWN,
        "forkable": not _read_burns(request, snippet),
    }
    html = render_to_string("djangobin/snippet_detail.html", context, request=request)
    page_cache.snippet_page_keep(request=request, snippet=snippet, html=html, render_final=not code.pending)
    snippet.hits = hits
    return HttpResponse(html.replace(page_cache.HITS_MARKER, str(hits), 1))


@snippet_view
def snippet_render(request, snippet):
    """The render's state as JSON, for the snippet page's script: the highlighted HTML once the worker stored it.

    A burn-after-reading snippet's code is shown only by its burning view, so others get 404 here."""
    if _read_burns(request, snippet):
        raise Http404("No such snippet.")
    render = selectors.snippet_render_get(snippet_id=snippet.pk)
    state = render.state if render is not None else "pending"
    body = {
        "state": state,
        "note": selectors.PENDING_NOTE if state == "pending" else render.note,
        "language": snippet.language.name,  # a detected language is stored just before the render
    }
    if state == "highlighted":
        body["html"] = render.html
    return JsonResponse(body, headers={"Cache-Control": "no-store"})


@snippet_view
@burn_on_read
def snippet_raw(request, snippet):
    response = HttpResponse(snippet.original_code, content_type="text/plain; charset=utf-8", headers=SAFE_HEADERS)
    return http_cache.snippet_text_response(request, snippet, response, snippet.original_code)


@snippet_view
@burn_on_read
def snippet_download(request, snippet):
    response = HttpResponse(snippet.original_code, content_type="application/octet-stream", headers=SAFE_HEADERS)
    response["Content-Disposition"] = f'attachment; filename="{snippet.download_name}"'
    return http_cache.snippet_text_response(request, snippet, response, snippet.original_code, snippet.download_name)


@require_POST
@login_required
@snippet_view
def snippet_delete(request, snippet):
    try:
        snippets.snippet_delete(snippet=snippet, user=request.user)
    except PermissionDenied:
        raise Http404("No such snippet.") from None
    messages.success(request, "The snippet was deleted.")
    return redirect("djangobin:profile", request.user.get_username())
