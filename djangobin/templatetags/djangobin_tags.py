"""Template helpers shared by djangobin's pages."""

from datetime import timedelta

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from djangobin import form_parts, fragments
from djangobin.highlight import line_count

register = template.Library()

JUST_NOW = timedelta(minutes=1)
_fixed_urls: dict[tuple[str, str | None, str], str] = {}  # (script prefix, urlconf, name) -> URL


@register.simple_tag
def fixed_url(name):
    """`{% url name %}` for a URL that takes no argument, reversed once per process: the frame of every page holds a
    dozen, and reversing one walks the URL patterns each time."""
    key = (get_script_prefix(), get_urlconf(), name)
    url = _fixed_urls.get(key)
    if url is None:
        url = _fixed_urls[key] = reverse(name)
    return url


@register.simple_tag
def recent_snippets():
    """The sidebar's newest public snippets, rendered at most every few seconds (djangobin/fragments.py)."""
    return mark_safe(fragments.recent_snippets_html())  # noqa: S308 (a template's output, escaped by it)


@register.simple_tag
def form_fields(form, template_name="djangobin/includes/form_fields.html"):
    """`form`'s fields rendered through `template_name`; a blank form's are kept (djangobin/form_parts.py)."""
    return form_parts.form_fields_html(form, template_name)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current query string with `page` set to `number`, so paging keeps a search's other parameters."""
    request = context.get("request")
    if request is None:
        return f"?page={number}"
    query = request.GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def ago(moment):
    """ "just now" within the first minute (where timesince says "0 minutes"), else "3 hours ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < JUST_NOW:
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def code_size(code):
    """ "2,000 lines · 61,440 bytes": the code's line count and its size in UTF-8, with thousands separators."""
    lines = line_count(code) if code else 0
    size = len(code.encode())
    return f"{lines:,} line{'' if lines == 1 else 's'} · {size:,} byte{'' if size == 1 else 's'}"
