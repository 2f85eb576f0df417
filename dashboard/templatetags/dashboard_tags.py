import json

from django import template
from django.utils import timezone
from django.utils.html import format_html

from dashboard import wording

register = template.Library()


@register.filter
def pretty_json(value):
    """Indented JSON text; the template escapes it like any other text."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@register.filter
def json_line(value):
    """Compact JSON on one line, for arguments shown beside other facts."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def or_dash(value):
    return "—" if value is None or value == "" else value


@register.filter
def duration_ms(value):
    """A duration in milliseconds, read at a glance: 12.3 ms, 4.56 s, 3.2 min."""
    if value is None:
        return "—"
    if value < 1000:
        return f"{value:.1f} ms"
    if value < 60_000:
        return f"{value / 1000:.2f} s"
    return f"{value / 60_000:.1f} min"


@register.filter
def percent(value):
    return "—" if value is None else f"{value * 100:.1f} %"


def _ago(seconds):
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 48:
        return f"{hours} h ago"
    return f"{round(seconds / 86400)} days ago"


@register.filter
def when(value):
    """A time with its zone and how long ago it was: 2026-11-30 04:12:03 UTC (3 min ago), in a <time> element."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    seconds = (timezone.now() - value).total_seconds()
    relative = _ago(seconds) if seconds >= 0 else "in the future"
    return format_html(
        '<time datetime="{}">{}</time> <span class="muted">({})</span>',
        value.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        relative,
    )


@register.filter
def counted(number, nouns):
    """`{{ n|counted:"worker process|worker processes" }}`: the count and its noun, as wording.counted gives them."""
    singular, plural = nouns.split("|")
    return wording.counted(number, singular, plural)
