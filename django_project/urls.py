from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from djangobin.http_cache import shared
from djangobin.ratelimits import posted_account, ratelimited
from djangobin.sitemaps import PageSitemap, SnippetSitemap

urlpatterns = [
    # The admin's login (where /dashboard/ sends staff) under the site login's limits: failures per address and
    # per account from that address.
    path(
        "admin/login/",
        ratelimited("login", per_account=posted_account("username"), failures_only=True)(admin.site.login),
    ),
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path(
        "sitemap.xml",
        shared(sitemap),
        {"sitemaps": {"snippets": SnippetSitemap, "pages": PageSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", include("djangobin.urls")),
]

handler400 = "djangobin.views.pages.bad_request"
