"""A snippet as other sites show it: `/embed/<slug>/`, a page made to be framed, and `/embed/<slug>.js`, a script
tag that puts that frame where it stands and sizes it to the snippet (as GitHub Gist's embeds do).

These two responses alone may be framed: they send `settings.EMBED_CONTENT_SECURITY_POLICY` (frame-ancestors
from DJANGO_EMBED_FRAME_ANCESTORS) and no X-Frame-Options, while every other page keeps frame-ancestors 'none'.
Only public and unlisted snippets are embeddable; a private or burn-after-reading one answers 404, as a missing
one does, and an expired one 410, whoever asks. Views in a frame are not counted as hits.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from djangobin import selectors
from djangobin.exceptions import SnippetExpired, SnippetNotFound
from djangobin.sites import site_url


def _framable(response):
    response["Content-Security-Policy"] = settings.EMBED_CONTENT_SECURITY_POLICY
    return response


@require_safe
@xframe_options_exempt
def snippet_embed(request, slug):
    try:
        snippet = selectors.snippet_get_embeddable(slug=slug)
    except (SnippetNotFound, SnippetExpired) as error:
        gone = isinstance(error, SnippetExpired)
        context = {"gone": gone}
        return _framable(render(request, "djangobin/embed_unavailable.html", context, status=410 if gone else 404))
    context = {"snippet": snippet, "code": selectors.snippet_code_view(snippet=snippet)}
    return _framable(render(request, "djangobin/embed.html", context))


def _js_string(value: str) -> str:
    """`value` as a JavaScript string literal that cannot end the script element it may be written into."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# The frame is inserted after the script element that loaded this, then sized by the height embed.js posts.
_LOADER = """(() => {
  const script = document.currentScript;
  const frame = document.createElement("iframe");
  frame.src = %(src)s;
  frame.title = %(title)s;
  frame.loading = "lazy";
  frame.style.cssText = "display: block; width: 100%%; height: 20em; border: 1px solid #d9dee4; border-radius: 6px";
  script.after(frame);
  window.addEventListener("message", (event) => {
    if (event.source === frame.contentWindow && typeof event.data?.djangobinEmbedHeight === "number") {
      frame.style.height = `${Math.min(event.data.djangobinEmbedHeight + 2, 1200)}px`;
    }
  });
})();
"""


@require_safe
def snippet_embed_script(request, slug):
    """A script that puts the embed frame where its `<script>` tag stands; 404 (an empty body) when the snippet is
    not embeddable, so the embedding page simply shows nothing."""
    try:
        snippet = selectors.snippet_get_embeddable(slug=slug)
    except (SnippetNotFound, SnippetExpired) as error:
        return HttpResponse(status=410 if isinstance(error, SnippetExpired) else 404)
    src = site_url(request) + reverse("djangobin:snippet_embed", args=[snippet.slug])
    body = _LOADER % {"src": _js_string(src), "title": _js_string(f"{snippet.display_title} (djangobin)")}
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "max-age=300"
    return response
