from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from djangobin.selectors import snippets_for_sitemap


class SnippetSitemap(Sitemap):
    """Public, live snippets only: unlisted and private ones never appear."""

    changefreq = "never"
    priority = 0.5
    limit = 5000

    def items(self):
        return snippets_for_sitemap()

    def lastmod(self, snippet):
        return snippet.created_on


class PageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return ["djangobin:index", "djangobin:trending_snippets", "djangobin:about", "djangobin:eula"]

    def location(self, item):
        return reverse(item)
