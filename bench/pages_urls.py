"""The site's URLs plus the tutorial's snippet view, which bench/pages.py measures the snippet page against."""

from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.urls import include, path

from djangobin.fragments import RECENT_KEY
from djangobin.models import Snippet
from djangobin.selectors import CodeView


def tutorial_highlight(code, lang_code):
    """What the tutorial's `Snippet.save()` ran: Pygments' table formatter with an anchor per line."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    formatter = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="highlight", wrapcode=True)
    return highlight(code, get_lexer_by_name(lang_code, stripnl=False), formatter)


def tutorial_snippet_detail(request, slug):
    """The tutorial's view: count the hit by saving the whole row, whose save() highlights the code again, and
    render every part of the page, the sidebar's recent snippets included, at each view."""
    cache.delete(RECENT_KEY)
    snippet = get_object_or_404(Snippet.objects.select_related("language", "user"), slug=slug)
    snippet.hits += 1
    snippet.save()
    html = tutorial_highlight(snippet.original_code, snippet.language.lang_code)
    code = CodeView(html=html, line_numbers="", pending=False, note="")
    context = {"snippet": snippet, "code": code, "tags": snippet.tags.all(), "is_owner": False}
    return render(request, "djangobin/snippet_detail.html", context)


urlpatterns = [
    path("tutorial/<str:slug>/", tutorial_snippet_detail),
    path("", include("django_project.urls")),
]
