"""The settings page: paste defaults and profile privacy, and the personal API tokens (made and revoked here; the
ones ended by the owner or by a new password are listed with why, each with a button that makes its successor)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from djangobin import selectors
from djangobin.forms import ApiTokenForm, SettingsForm
from djangobin.services import accounts, api_tokens


def _settings_page(request, *, form=None, token_form=None, new_token="", status=200):
    return render(
        request,
        "djangobin/settings.html",
        {
            "form": form,
            "token_form": token_form or ApiTokenForm(),
            "tokens": selectors.api_tokens_of_user(user=request.user),
            "ended_tokens": selectors.api_tokens_ended_of_user(user=request.user),
            "new_token": new_token,
        },
        status=status,
    )


@login_required
@require_POST
def api_token_create(request):
    """Make a token and show it on this one answer (no redirect: it must not pass through the session)."""
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _settings_page(request, form=_settings_form(request), token_form=token_form, status=400)
    _, raw = api_tokens.api_token_create(user=request.user, name=token_form.cleaned_data["name"])
    response = _settings_page(request, form=_settings_form(request), new_token=raw)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request, token_id):
    if api_tokens.api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "The token was revoked: it no longer works.")
    return redirect("djangobin:settings")


def _settings_form(request):
    author = selectors.author_of(request.user)
    return SettingsForm(
        initial={
            "default_language": author.default_language_id,
            "default_expiration": author.default_expiration,
            "default_exposure": author.default_exposure,
            "private": author.private,
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_settings(request):
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            accounts.author_update(user=request.user, **form.cleaned_data)
            messages.success(request, "Your settings were saved.")
            return redirect("djangobin:settings")
    else:
        form = _settings_form(request)
    return _settings_page(request, form=form)
