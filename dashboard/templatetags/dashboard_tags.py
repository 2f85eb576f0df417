import json

from django import template

register = template.Library()


@register.filter
def pretty_json(value):
    """Indented JSON text; the template escapes it like any other text."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def or_dash(value):
    return "—" if value is None or value == "" else value
