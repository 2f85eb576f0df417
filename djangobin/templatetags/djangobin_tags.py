"""Template helpers shared by djangobin's pages."""

from django import template

from djangobin import selectors

register = template.Library()

RECENT_LIMIT = 8


@register.inclusion_tag("djangobin/includes/recent.html")
def recent_snippets():
    """The sidebar's newest public snippets: one query, language and author joined in."""
    return {"snippets": list(selectors.snippets_recent(limit=RECENT_LIMIT))}


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current query string with `page` set to `number`, so paging keeps a search's other parameters."""
    request = context.get("request")
    if request is None:
        return f"?page={number}"
    query = request.GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
