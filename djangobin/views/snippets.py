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
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_http_methods, require_POST

from djangobin import forks, http_cache, page_cache, revisions, selectors
from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.models import Exposure
from djangobin.services import burn, snippets
from djangobin.services.revisions import snippet_may_edit
from djangobin.sites import site_url

SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'"}
FORKS_SHOWN = 20
AUTHORED_SESSION_KEY = "djangobin_authored"
AUTHORED_REMEMBERED = 20
DELETE_KEY_SESSION_KEY = "djangobin_delete_key"
DELETE_KEY_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


def snippet_view(view):
    """Resolve the URL's slug to a snippet the request may see: 404 if none (or private), 410 once expired."""

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        try:
            snippet = selectors.snippet_get_visible(slug=slug, user=request.user)
        except SnippetNotFound:
            raise Http404("No such snippet.") from None
        except SnippetExpired:
            return render(request, "djangobin/gone.html", status=410)
        return view(request, snippet, **kwargs)

    return wrapper


def authored_slugs(request) -> list[str]:
    """The snippets this browser pasted anonymously, the newest AUTHORED_REMEMBERED (an anonymous author has no
    account)."""
    return request.session.get(AUTHORED_SESSION_KEY, [])


def authored_remember(request, snippet) -> None:
    """Remember that this browser pasted `snippet` anonymously: it may edit it, and read it without burning it."""
    request.session[AUTHORED_SESSION_KEY] = [*authored_slugs(request), snippet.slug][-AUTHORED_REMEMBERED:]


def delete_key_headers_set(response):
    """A page that shows a delete secret (in its text or its URL): no copy kept anywhere, and its address never
    sent to another site (same-origin, not no-referrer: a browser then sends `Origin: null` with the confirm form's
    POST, which the CSRF check refuses)."""
    for name, value in DELETE_KEY_HEADERS.items():
        response[name] = value


def delete_key_remember(request, snippet, key: str) -> None:
    """Keep a new anonymous paste's delete secret until its page is shown once (delete_key_take)."""
    request.session[DELETE_KEY_SESSION_KEY] = {"slug": snippet.slug, "key": key}


def delete_key_take(request, snippet) -> str:
    """The delete secret of `snippet` if this is its page right after pasting, else ""; never given twice."""
    kept = request.session.get(DELETE_KEY_SESSION_KEY)
    if not kept or kept.get("slug") != snippet.slug:
        return ""
    del request.session[DELETE_KEY_SESSION_KEY]
    return kept.get("key", "")


def read_burns(request, snippet) -> bool:
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
        if read_burns(request, snippet):
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
        if read_burns(request, snippet):
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
    fork_source = forks.snippet_fork_source_shown(snippet=snippet, user=request.user)
    diff, before_label = revisions.revision_diff_shown(
        row=revisions.snippet_revision_diffed(snippet=snippet, number=snippet.revision), fork_source=fork_source
    )
    delete_key = delete_key_take(request, snippet)
    context = {
        "snippet": snippet,
        "code": code,
        "tags": snippet.tags.all(),
        "is_owner": snippet.is_owned_by(request.user),
        "fork_source": fork_source,
        "diff": diff,
        "before_label": before_label,
        "history": revisions.snippet_revision_numbers(snippet=snippet) if snippet.revision > 1 else (),
        "may_edit": snippet_may_edit(snippet=snippet, user=request.user, authored_slugs=authored_slugs(request)),
        "delete_key": delete_key,
        "forks": forks.snippet_forks_visible(snippet=snippet, user=request.user)[: FORKS_SHOWN + 1],
        "forks_shown": FORKS_SHOWN,
        "forkable": not read_burns(request, snippet),
        "source_view": request.GET.get("view") == "source",  # a Markdown paste's source rather than its document
        "embed": _embed_codes(request, snippet),
    }
    html = render_to_string("djangobin/snippet_detail.html", context, request=request)
    final = not code.pending and (diff is None or diff.diff_state != diff.DiffState.PENDING)
    page_cache.snippet_page_keep(request=request, snippet=snippet, html=html, render_final=final)
    snippet.hits = hits
    response = HttpResponse(html.replace(page_cache.HITS_MARKER, str(hits), 1))
    if delete_key:
        delete_key_headers_set(response)  # the secret is on this page: no copy kept, no referrer sent
    return response


def _embed_codes(request, snippet) -> dict[str, str] | None:
    """The HTML another site pastes to show this snippet (views/embed.py), or None when it is not embeddable."""
    if snippet.exposure == Exposure.PRIVATE or snippet.burn_after_reading:
        return None
    url = site_url(request) + reverse("djangobin:snippet_embed", args=[snippet.slug])
    title = escape(f"{snippet.display_title} (djangobin)")
    return {
        "script": f'<script src="{url[:-1]}.js"></script>',
        "iframe": f'<iframe src="{url}" title="{title}" width="100%" height="400" style="border: 0"></iframe>',
    }


@snippet_view
def snippet_render(request, snippet):
    """The render's state as JSON, for the snippet page's script: the highlighted HTML once the worker stored it.

    A burn-after-reading snippet's code is shown only by its burning view, so others get 404 here."""
    if read_burns(request, snippet):
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
    if state != "pending" and render.document:
        body["document"] = True  # a Markdown paste's document: the page shows it once loaded again
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
