"""The editor: a new paste, or one that starts from another snippet ("New paste from this"), and the language it
chooses for a file it is given."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from djangobin import selectors
from djangobin.forms import SnippetForm
from djangobin.ratelimits import ratelimited, signed_in_user
from djangobin.services import snippets

from .snippets import authored_remember, delete_key_remember, fork_source


@require_http_methods(["GET", "POST"])
@ratelimited("snippet", per_account=signed_in_user)
def index(request):
    user = request.user if request.user.is_authenticated else None
    source = None
    if request.method == "POST":
        form = SnippetForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = form.cleaned_data
            # A source deleted (or made private) meanwhile leaves the paste unlinked, as SET_NULL would.
            source = fork_source(request, data["forked_from"]) if data["forked_from"] else None
            # An anonymous author has no account to delete with: a secret link, shown once, on the next page.
            delete_key = snippets.delete_key_generate() if user is None else ""
            try:
                snippet = snippets.snippet_create(
                    code=data["original_code"],
                    language=data["language"],
                    expiration=data["expiration"],
                    exposure=data["exposure"],
                    title=data["title"],
                    tags=data["tags"],
                    user=user,
                    burn_after_reading=data["burn_after_reading"],
                    forked_from=source,
                    detect_language=data["detect_language"],
                    delete_key=delete_key,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if user is None:
                    authored_remember(request, snippet)
                    delete_key_remember(request, snippet, delete_key)
                return redirect(snippet)
    else:
        form = SnippetForm(initial=selectors.paste_defaults(request.user), user=user)
    if form.is_bound and source is None and form.data.get("forked_from"):
        source = fork_source(request, form.data["forked_from"])  # a form sent back still says where it began
    return _editor(request, form, source)


def _editor(request, form, source):
    context = {"form": form, "fork_source": source, "max_bytes": settings.SNIPPET_MAX_BYTES}
    return render(request, "djangobin/index.html", context)


@require_safe
def language_for_file(request):
    """The language the editor chooses for a file it was given (editor.js): {"id", "name"}, or 404 when no lexer
    claims the file's name."""
    language = selectors.language_for_filename(request.GET.get("name", "")[:255].replace("\x00", ""))
    if language is None:
        return JsonResponse({"error": "No language claims this file name."}, status=404)
    return JsonResponse({"id": language.pk, "name": language.name}, headers={"Cache-Control": "max-age=3600"})


@require_http_methods(["GET"])
def snippet_fork(request, slug):
    """The editor pre-filled from a snippet ("New paste from this"); reading it here never burns a snippet, so only
    the author of a burn-after-reading one may fork it (404 for anyone else, as for a private one)."""
    source = fork_source(request, slug)
    if source is None:
        raise Http404("No such snippet.")
    user = request.user if request.user.is_authenticated else None
    initial = {
        "original_code": source.original_code,
        "language": source.language_id,
        "title": source.title,
        "forked_from": source.slug,
        # Always one the form offers this visitor: a private source is its signed-in owner's alone.
        "exposure": source.exposure,
    }
    form = SnippetForm(initial=initial, user=user)
    return _editor(request, form, source)
