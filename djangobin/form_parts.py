"""A blank form's fields rendered once per process and kept: the paste form of the home page and the settings page's
two forms.

Django renders each field through templates (its group, its label, its widget), which cost the home and settings
pages more than everything else they do. A blank (unbound) form looks the same for everyone it starts from the same
values, so a form that may be kept says what its fields depend on (`KeptRendering.rendering_key`): the values it
starts from and what its constructor changed, never who asks. Two visitors with the same defaults share one entry,
and an entry holds nothing but the values in its key. The kept HTML is keyed by the template, the form's key and the
version of the language table (djangobin/language_select.py), and lives in this process's own `pages` cache, whose
byte bound drops the least used. A bound form (the values sent back, its errors) is rendered each time.
"""

import hashlib
from collections.abc import Hashable

from django import forms
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from djangobin.language_select import languages_version


class KeptRendering:
    """A form mixin: its blank fields may be kept. `kept_initial` names the initial values a kept rendering may
    start from (any other, such as a fork's code, makes the form one of a kind); `rendering_extra` returns what else
    the constructor changed (e.g. the choices a visitor is offered)."""

    kept_initial: frozenset[str] = frozenset()

    def rendering_extra(self) -> tuple[Hashable, ...]:
        return ()

    def rendering_key(self) -> tuple[Hashable, ...] | None:
        """What the blank form's fields look like, as a key; None when they are one of a kind."""
        if self.is_bound or not set(self.initial) <= self.kept_initial:
            return None
        # Plain values only: the repr of anything else (a model instance) need not tell two values apart.
        if not all(value is None or isinstance(value, int | str) for value in self.initial.values()):
            return None
        return (type(self).__qualname__, *sorted(self.initial.items()), *self.rendering_extra())


def form_fields_html(form: forms.Form, template_name: str) -> SafeString:
    """`template_name` rendered with `form`: kept when the form is blank and says it may be."""
    key = form.rendering_key() if isinstance(form, KeptRendering) else None
    if key is None:
        return mark_safe(render_to_string(template_name, {"form": form}))  # noqa: S308 (escaped by its template)
    digest = hashlib.sha256(repr((template_name, key)).encode()).hexdigest()
    kept_key = f"form-fields:{languages_version()}:{digest}"
    store = caches["pages"]
    html = store.get(kept_key)
    if html is None:
        html = render_to_string(template_name, {"form": form})
        store.set(kept_key, html, None)  # all it depends on is in its key; a new template comes with a new process
    return mark_safe(html)  # noqa: S308 (escaped by its template)
