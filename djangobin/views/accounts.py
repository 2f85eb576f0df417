"""The account flows: sign-up, activation (and a new link), login, and the account's details page."""

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from djangobin import selectors
from djangobin.forms import LoginForm, ResendActivationForm, SignupForm
from djangobin.ratelimits import posted_account, ratelimited
from djangobin.services import accounts
from djangobin.sites import site_url


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
            "author": selectors.author_of(request.user),
            "snippet_count": request.user.snippets.live().count(),
        },
    )
