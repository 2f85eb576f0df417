from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from djangobin.sitemaps import PageSitemap, SnippetSitemap

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"snippets": SnippetSitemap, "pages": PageSitemap}},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", include("djangobin.urls")),
]

handler400 = "djangobin.views.bad_request"
