from django.contrib.auth import views as auth_views
from django.urls import path, register_converter, reverse_lazy
from django.views.generic import TemplateView

from djangobin import api
from djangobin.forms import QueuedPasswordResetForm
from djangobin.http_cache import shared
from djangobin.ratelimits import posted_account, ratelimited
from djangobin.views import account_settings, accounts, embed, lists, pages, paste, revisions, snippets

app_name = "djangobin"


class TextConverter:
    """Like Django's `str`, but a NUL character (which PostgreSQL cannot even compare) matches no URL: 404."""

    regex = "[^/\x00]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TextConverter, "text")

_password_urls = [
    path(
        "password-reset/",
        ratelimited("password_reset", per_account=posted_account("email"))(
            auth_views.PasswordResetView.as_view(
                form_class=QueuedPasswordResetForm,
                template_name="djangobin/password_reset.html",
                success_url=reverse_lazy("djangobin:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="djangobin/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/confirm/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="djangobin/password_reset_confirm.html",
            success_url=reverse_lazy("djangobin:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="djangobin/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "password-change/",
        auth_views.PasswordChangeView.as_view(
            template_name="djangobin/password_change.html",
            success_url=reverse_lazy("djangobin:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="djangobin/password_change_done.html"),
        name="password_change_done",
    ),
]

# dpaste.com-compatible API (djangobin/api.py); before the snippet URL, which would take any other path.
_api_urls = [
    path("api/v2/", api.snippet_create, name="api_snippet_create"),
    path("api/v2/syntax-choices/", api.syntax_choices, name="api_syntax_choices"),
    path("api/v2/<text:slug>/", api.snippet_detail, name="api_snippet_detail"),
]

urlpatterns = [
    path("", paste.index, name="index"),
    path("trending/", lists.trending_snippets, name="trending_snippets"),
    path("trending/<slug:language_slug>/", lists.trending_snippets, name="trending_snippets"),
    path("tag/<text:tag>/", lists.tag_list, name="tag_list"),
    path("user/<text:username>/", lists.profile, name="profile"),
    path("search/", lists.search, name="search"),
    path("contact/", pages.contact, name="contact"),
    path("signup/", accounts.signup, name="signup"),
    path("activate/resend/", accounts.resend_activation, name="resend_activation"),
    path("activate/<uidb64>/<token>/", accounts.activate_account, name="activate"),
    path("login/", accounts.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", account_settings.user_settings, name="settings"),
    path("settings/tokens/", account_settings.api_token_create, name="api_token_create"),
    path("settings/tokens/<int:token_id>/revoke/", account_settings.api_token_revoke, name="api_token_revoke"),
    path("userdetails/", accounts.user_details, name="user_details"),
    path("about/", shared(TemplateView.as_view(template_name="djangobin/about.html")), name="about"),
    path("favicon.ico", pages.favicon, name="favicon"),
    path("robots.txt", pages.robots, name="robots"),
    path("eula/", shared(TemplateView.as_view(template_name="djangobin/eula.html")), name="eula"),
    path("fork/<text:slug>/", paste.snippet_fork, name="snippet_fork"),
    path("language-for-file/", paste.language_for_file, name="language_for_file"),
    path("raw/<text:slug>/", snippets.snippet_raw, name="snippet_raw"),
    path("download/<text:slug>/", snippets.snippet_download, name="snippet_download"),
    path("render/<text:slug>/", snippets.snippet_render, name="snippet_render"),
    path("delete/<text:slug>/", snippets.snippet_delete, name="snippet_delete"),
    path("delete/<text:slug>/<text:key>/", revisions.snippet_delete_with_key, name="snippet_delete_with_key"),
    path("edit/<text:slug>/", revisions.snippet_edit, name="snippet_edit"),
    path("raw/<text:slug>/rev/<int:number>/", revisions.snippet_revision_raw, name="snippet_revision_raw"),
    path(
        "download/<text:slug>/rev/<int:number>/",
        revisions.snippet_revision_download,
        name="snippet_revision_download",
    ),
    path("<text:slug>/rev/<int:number>/", revisions.snippet_revision, name="snippet_revision"),
    path("embed/<text:slug>.js", embed.snippet_embed_script, name="snippet_embed_script"),
    path("embed/<text:slug>/", embed.snippet_embed, name="snippet_embed"),
    *_password_urls,
    *_api_urls,
    path("<text:slug>/", snippets.snippet_detail, name="snippet_detail"),
]
