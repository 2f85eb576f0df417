"""Thin views over services (writes) and selectors (reads)."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from djangobin import forks, page_cache, selectors
from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.forms import (
    ContactForm,
    LoginForm,
    ResendActivationForm,
    SearchForm,
    SignupForm,
    SnippetForm,
)
from djangobin.models import Author
from djangobin.ratelimits import posted_account, ratelimited, ratelimited_reads, signed_in_user
from djangobin.search import SEARCH_RESULTS
from djangobin.services import accounts, burn, feedback, snippets
from djangobin.sites import site_url

SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'"}


def _page(request, queryset):
    return Paginator(queryset, settings.SNIPPETS_PER_PAGE).get_page(request.GET.get("page"))


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


AUTHORED_SESSION_KEY = "djangobin_authored"
AUTHORED_REMEMBERED = 20


def _remember_authored(request, snippet):
    """Let this browser view its own burn-after-reading snippet (an anonymous author has no account to show it)."""
    authored = request.session.get(AUTHORED_SESSION_KEY, [])
    request.session[AUTHORED_SESSION_KEY] = [*authored, snippet.slug][-AUTHORED_REMEMBERED:]


def _is_author(request, snippet):
    return snippet.is_owned_by(request.user) or snippet.slug in request.session.get(AUTHORED_SESSION_KEY, [])


def _fork_source(request, slug):
    """The snippet a paste may be forked from, or None (gone, private, or someone else's burn-after-reading)."""
    try:
        return forks.snippet_fork_source_get(
            slug=slug, user=request.user, authored_slugs=request.session.get(AUTHORED_SESSION_KEY, [])
        )
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
        if not _is_author(request, snippet):
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
        if snippet.burn_after_reading and not _is_author(request, snippet):
            if request.method != "POST":
                return _no_store(render(request, "djangobin/snippet_burn_confirm.html", {"snippet": snippet}))
            _burn(snippet)
        elif request.method == "POST":
            return redirect(snippet)  # nothing to confirm: the author, or an ordinary snippet
        response = view(request, snippet)
        return _no_store(response) if snippet.burn_after_reading else response

    return wrapper


def _safe_next(request, fallback):
    """The `next` URL when it stays on this site, else `fallback`.

    Only a path or URL comes back, never a bare word: redirect() would take one for a view name and fail.
    """
    target = request.POST.get("next") or request.GET.get("next")
    if (
        target
        and target.startswith(("/", "http://", "https://"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
@ratelimited("snippet", per_account=signed_in_user)
def index(request):
    user = request.user if request.user.is_authenticated else None
    fork_source = None
    if request.method == "POST":
        form = SnippetForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            # A source deleted (or made private) meanwhile leaves the paste unlinked, as SET_NULL would.
            fork_source = _fork_source(request, data["forked_from"]) if data["forked_from"] else None
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
                    forked_from=fork_source,
                    detect_language=data["detect_language"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if snippet.burn_after_reading:
                    _remember_authored(request, snippet)
                return redirect(snippet)
    else:
        initial = {}
        if user is not None:
            author = Author.objects.filter(user=user).first()
            if author is not None:
                initial = {
                    "language": author.default_language_id,
                    "expiration": author.default_expiration,
                    "exposure": author.default_exposure,
                }
        form = SnippetForm(initial=initial, user=user)
    if form.is_bound and fork_source is None and form.data.get("forked_from"):
        fork_source = _fork_source(request, form.data["forked_from"])  # a form sent back still says where it began
    return render(request, "djangobin/index.html", {"form": form, "fork_source": fork_source})


@require_http_methods(["GET"])
def snippet_fork(request, slug):
    """The editor pre-filled from a snippet ("New paste from this"); reading it here never burns a snippet, so only
    the author of a burn-after-reading one may fork it (404 for anyone else, as for a private one)."""
    source = _fork_source(request, slug)
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
    return render(request, "djangobin/index.html", {"form": form, "fork_source": source})


FORKS_SHOWN = 20


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
        "forkable": not snippet.burn_after_reading or _is_author(request, snippet),
    }
    html = render_to_string("djangobin/snippet_detail.html", context, request=request)
    page_cache.snippet_page_keep(request=request, snippet=snippet, html=html, render_final=not code.pending)
    snippet.hits = hits
    return HttpResponse(html.replace(page_cache.HITS_MARKER, str(hits), 1))


@snippet_view
def snippet_render(request, snippet):
    """The render's state as JSON, for the snippet page's script: the highlighted HTML once the worker stored it.

    A burn-after-reading snippet's code is shown only by its burning view, so others get 404 here."""
    if snippet.burn_after_reading and not _is_author(request, snippet):
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
    return HttpResponse(snippet.original_code, content_type="text/plain; charset=utf-8", headers=SAFE_HEADERS)


@snippet_view
@burn_on_read
def snippet_download(request, snippet):
    response = HttpResponse(snippet.original_code, content_type="application/octet-stream", headers=SAFE_HEADERS)
    response["Content-Disposition"] = f'attachment; filename="{snippet.download_name}"'
    return response


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


def trending_snippets(request, language_slug=None):
    language = selectors.language_by_slug_or_404(language_slug) if language_slug else None
    page = _page(request, selectors.snippets_trending(language=language))
    languages = selectors.languages_with_public_snippets()
    return render(request, "djangobin/trending.html", {"page": page, "language": language, "languages": languages})


def tag_list(request, tag):
    tag = selectors.tag_by_slug_or_404(tag)
    page = _page(request, selectors.snippets_by_tag(tag=tag))
    return render(request, "djangobin/tag_list.html", {"page": page, "tag": tag})


def profile(request, username):
    owner = selectors.user_by_username_or_404(username)
    author = Author.objects.get_or_create(user=owner)[0]
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    if not is_owner:
        accounts.author_profile_view(author_id=author.pk)
    hidden = author.private and not is_owner
    page = None if hidden else _page(request, selectors.snippets_of_user(owner=owner, viewer=request.user))
    return render(
        request,
        "djangobin/profile.html",
        {"owner": owner, "author": author, "page": page, "hidden": hidden, "is_owner": is_owner},
    )


@ratelimited_reads("search")
def search(request):
    form = SearchForm(request.GET or None)
    page = None
    # An empty query lists nothing: "everything" is not a search result.
    if form.is_valid() and form.cleaned_data["query"].strip():
        mine = form.cleaned_data["mysnippet"]
        if mine and not request.user.is_authenticated:
            messages.info(request, "Log in to search your own snippets; showing public snippets instead.")
            mine = False
        page = _page(request, selectors.snippets_search(query=form.cleaned_data["query"], user=request.user, mine=mine))
    return render(request, "djangobin/search.html", {"form": form, "page": page, "max_results": SEARCH_RESULTS})


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


@require_http_methods(["GET", "POST"])
@ratelimited("signup")
def signup(request):
    if request.user.is_authenticated:
        return redirect("djangobin:index")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            accounts.user_signup(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                site_url=site_url(request),
            )
            return render(request, "djangobin/signup_done.html", {"email": form.cleaned_data["email"]})
    else:
        form = SignupForm()
    return render(request, "djangobin/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def activate_account(request, uidb64, token):
    """The link opens a page whose button POSTs the activation: mail scanners follow links, and must not activate."""
    if request.method == "POST":
        user = accounts.user_activate(uidb64=uidb64, token=token)
    else:
        user = accounts.user_awaiting_activation(uidb64=uidb64, token=token)
    if user is None:
        messages.error(request, "This activation link is invalid, used or expired. Ask for a new one below.")
        return redirect("djangobin:resend_activation")
    if request.method == "GET":
        return render(request, "djangobin/activate.html", {"username": user.get_username()})
    messages.success(request, "Your account is active. Log in to start pasting.")
    return redirect("djangobin:login")


@require_http_methods(["GET", "POST"])
@ratelimited("resend_activation", per_account=posted_account("email"))
def resend_activation(request):
    if request.method == "POST":
        form = ResendActivationForm(request.POST)
        if form.is_valid():
            accounts.activation_resend(email=form.cleaned_data["email"], site_url=site_url(request))
            # The same answer whether or not such an account exists.
            messages.success(request, "If an inactive account uses that address, a new activation link is on its way.")
            return redirect("djangobin:login")
    else:
        form = ResendActivationForm()
    return render(request, "djangobin/resend_activation.html", {"form": form})


@require_http_methods(["GET", "POST"])
@ratelimited("login", per_account=posted_account("username"), failures_only=True)
def login(request):
    next_url = _safe_next(request, "")
    if request.user.is_authenticated:
        return redirect(next_url or "djangobin:index")
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
            if user is not None:
                auth_login(request, user)
                return redirect(next_url or "djangobin:index")
            # One message for a wrong password, an unknown address and an inactive account alike.
            form.add_error(
                None, "The username or email, or the password, is incorrect, or the account is not activated yet."
            )
    else:
        form = LoginForm()
    return render(request, "djangobin/login.html", {"form": form, "next": next_url})


@login_required
def user_details(request):
    return render(
        request,
        "djangobin/user_details.html",
        {
            "author": Author.objects.get_or_create(user=request.user)[0],
            "snippet_count": request.user.snippets.live().count(),
        },
    )


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
