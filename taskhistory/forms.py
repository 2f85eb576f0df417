"""The task list's filter, as the dashboard's form offers it and as a bulk operation stores it (its query string)."""

from django import forms

from .selectors import DEAD_LETTERED, DISMISSED, WINDOWS, TaskFilters
from .statuses import Status

WINDOW_LABELS = {
    "15m": "last 15 minutes",
    "1h": "last hour",
    "6h": "last 6 hours",
    "24h": "last 24 hours",
    "7d": "last 7 days",
}


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "any status"), *Status.choices, (DEAD_LETTERED, "Dead-lettered"), (DISMISSED, "Dismissed")],
    )
    actor = forms.CharField(required=False, max_length=255)
    queue = forms.CharField(required=False, max_length=255)
    window = forms.ChoiceField(required=False, choices=[("", "any time"), *((k, WINDOW_LABELS[k]) for k in WINDOWS)])
    message_id = forms.CharField(required=False, max_length=64, label="Message id")
    text = forms.CharField(required=False, max_length=200, label="Text in arguments")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self):
        data = self.cleaned_data
        return TaskFilters(**{name: data.get(name) or "" for name in TaskFilters.__dataclass_fields__})

    def query_without_cursor(self):
        """The filter's query string, for links to the next page."""
        data = self.data.copy()
        data.pop("before", None)
        return data.urlencode()
