"""An author's changes to a paste: the edit form, each revision's page, raw and download, and the anonymous
author's delete link.

Who may edit is services.revisions.snippet_may_edit (the author: the owner, or the browser that pasted it
anonymously); anyone else gets 403 for a snippet they may see, and 404 for one they may not. The delete link is a
secret shown once, on the page right after pasting (services.snippets.delete_key_generate); this module carries it
there in the session, which forgets it as it is shown (views/snippets.py, delete_key_remember and _take).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods

from djangobin import forks, revisions
from djangobin.exceptions import RevisionConflict, SnippetExpired, SnippetNotFound
from djangobin.forms import SnippetEditForm
from djangobin.highlight import line_numbers, plain_html
from djangobin.ratelimits import ratelimited, signed_in_user
from djangobin.services import revisions as revision_services
from djangobin.services import snippets as snippet_services

from .snippets import SAFE_HEADERS, authored_slugs, delete_key_headers_set, read_burns, snippet_view


def _revision(request, snippet, number):
    """Revision `number` for this request: 404 for a number the snippet never had, and for a burn-after-reading
    snippet read by anyone but its author (its revisions are read only by its burning page)."""
    if read_burns(request, snippet):
        raise Http404("No such snippet.")
    try:
        return revisions.snippet_revision_get(snippet=snippet, number=number)
    except SnippetNotFound:
        raise Http404("No such revision.") from None


@require_http_methods(["GET", "POST"])
@ratelimited("snippet", per_account=signed_in_user)
@snippet_view
def snippet_edit(request, snippet):
    """The editor over a snippet's latest revision; saving makes the next revision (or nothing, if nothing changed)."""
    authored = authored_slugs(request)
    if not revision_services.snippet_may_edit(snippet=snippet, user=request.user, authored_slugs=authored):
        raise PermissionDenied("Only the author may edit this snippet.")
    if request.method == "POST":
        form = SnippetEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = revision_services.snippet_edit(
                    snippet=snippet,
                    user=request.user,
                    authored_slugs=authored,
                    code=data["original_code"],
                    language=data["language"],
                    title=data["title"],
                    base_revision=data["base_revision"],
                )
            except RevisionConflict as conflict:
                form.add_error(
                    None,
                    f"This snippet was changed while you edited it: it is at revision {conflict.latest} now. Your text "
                    "is kept below; compare it with the latest revision, then save again to replace it.",
                )
                form.data = form.data.copy()
                form.data["base_revision"] = str(conflict.latest)
            except SnippetExpired:
                return render(request, "djangobin/gone.html", status=410)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if saved is None:
                    messages.info(request, "Nothing changed: no new revision was saved.")
                else:
                    messages.success(request, f"Saved as revision {saved.number}.")
                return redirect(snippet)
    else:
        form = SnippetEditForm(
            initial={
                "original_code": snippet.original_code,
                "language": snippet.language_id,
                "title": snippet.title,
                "base_revision": snippet.revision,
            }
        )
    response = render(request, "djangobin/snippet_edit.html", {"form": form, "snippet": snippet})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@snippet_view
def snippet_revision(request, snippet, number):
    """Revision `number` of a snippet: its text as it was saved (plain: only the latest is highlighted), with the
    diff against the revision before it."""
    revision = _revision(request, snippet, number)
    fork_source = forks.snippet_fork_source_shown(snippet=snippet, user=request.user) if number == 1 else None
    diff, before_label = revisions.revision_diff_shown(row=revision.row, fork_source=fork_source)
    context = {
        "snippet": snippet,
        "revision": revision,
        "diff": diff,
        "before_label": before_label,
        "code_html": plain_html(revision.code),
        "line_numbers": line_numbers(revision.code),
        "history": revisions.snippet_revision_numbers(snippet=snippet),
    }
    html = render_to_string("djangobin/snippet_revision.html", context, request=request)
    response = HttpResponse(html)
    if snippet.burn_after_reading:
        response["Cache-Control"] = "no-store"
    return response


@require_GET
@snippet_view
def snippet_revision_raw(request, snippet, number):
    revision = _revision(request, snippet, number)
    return HttpResponse(revision.code, content_type="text/plain; charset=utf-8", headers=SAFE_HEADERS)


@require_GET
@snippet_view
def snippet_revision_download(request, snippet, number):
    revision = _revision(request, snippet, number)
    response = HttpResponse(revision.code, content_type="application/octet-stream", headers=SAFE_HEADERS)
    name = f"{snippet.slug}-r{revision.number}{revision.language.file_extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@snippet_view
def snippet_delete_with_key(request, snippet, key):
    """The anonymous author's delete link: a page asking to confirm (a GET deletes nothing: link checkers and chat
    unfurlers open links), whose POST deletes the snippet. A wrong or used link is 404, as an unknown snippet."""
    if not snippet_services.snippet_delete_key_matches(snippet=snippet, key=key):
        raise Http404("No such snippet.")
    if request.method == "POST":
        try:
            snippet_services.snippet_delete_with_key(snippet=snippet, key=key)
        except PermissionDenied:
            raise Http404("No such snippet.") from None
        messages.success(request, "The snippet was deleted.")
        return redirect("djangobin:index")
    response = render(request, "djangobin/snippet_delete_confirm.html", {"snippet": snippet, "key": key})
    delete_key_headers_set(response)  # the secret is in this page's URL
    return response
