"""The periodic job's form, one for the Django admin and the dashboard: a list to choose from where one exists
(the registered actors, the time zones), JSON text for the arguments, and the services' own rules for the rest.

The form checks only what a browser can get wrong on its way in (text that is not JSON, a choice not offered);
whether the daemon can run the job is `services.job_check`'s answer, the very rules `job_create` and `job_update`
apply, shown under the fields they concern. Saving goes through those services too, so that the daemons follow.
"""

import functools
import json
import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.timezone import get_current_timezone_name

from delivery import registry

from . import selectors, services
from .models import PeriodicJob

MOMENT_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Messages carry ids and small values; a job's arguments longer than this are a paste gone astray.
JSON_MAX_LENGTH = 10_000
# The fields of the other schedule kinds are emptied, so that a row carries one schedule and no stale leftovers.
KIND_FIELDS = {
    PeriodicJob.Kind.CRONTAB: ("crontab", "timezone"),
    PeriodicJob.Kind.INTERVAL: ("interval_seconds",),
    PeriodicJob.Kind.ONE_OFF: ("run_at",),
}
EMPTY = {"crontab": "", "interval_seconds": None, "run_at": None}


def actor_choices():
    """Every actor a worker runs, by name, with its queue: the only values the actor field accepts."""
    actors = [(name, f"{name} (queue {queue})") for name, queue in registry.actors().items()]
    return [("", "— choose an actor —"), *actors]


@functools.cache
def timezone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class NotJSON(ValueError):
    pass


def _refuse_constant(name):
    """Python's json reads NaN and Infinity, which JSON has not: a message carrying one is unreadable elsewhere."""
    raise NotJSON(f"{name} is not a JSON value: write a number, a string, true, false or null.")


class JSONTextField(forms.CharField):
    """JSON typed into a text area, parsed here; a parse error says where it broke, and an empty box is `empty`."""

    widget = forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "json"})

    def __init__(self, *, empty, example, **kwargs):
        self.empty, self.example = empty, example
        super().__init__(required=False, strip=True, **kwargs)
        self.widget.attrs["maxlength"] = str(JSON_MAX_LENGTH)

    def prepare_value(self, value):
        if isinstance(value, str):
            return value  # what was typed, shown back as it was
        return json.dumps(self.empty if value is None else value, ensure_ascii=False)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return type(self.empty)()
        if len(text) > JSON_MAX_LENGTH:  # checked on the text: the validators would only see the parsed value
            raise ValidationError(f"Write at most {JSON_MAX_LENGTH} characters (this has {len(text)}).", code="long")
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except NotJSON as error:
            raise ValidationError(str(error), code="json") from None
        except json.JSONDecodeError as error:
            raise ValidationError(
                f"This is not JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
                f"write e.g. {self.example}.",
                code="json",
            ) from None
        except RecursionError:
            raise ValidationError("This JSON is nested too deeply.", code="json") from None


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=MOMENT_FORMAT, attrs={"step": "1"})


def moment_field(label, help_text):
    return forms.DateTimeField(label=label, required=False, widget=MomentInput(), help_text=help_text)


class PeriodicJobForm(forms.ModelForm):
    actor = forms.ChoiceField(
        choices=actor_choices,
        help_text="The actor whose message the job sends; a worker runs it.",
        error_messages={"invalid_choice": "There is no actor %(value)s: choose one of the registered actors."},
    )
    args = JSONTextField(
        label="Arguments", empty=[], example='[] or [42, "text"]', help_text="A JSON list of positional arguments."
    )
    kwargs = JSONTextField(
        label="Keyword arguments",
        empty={},
        example='{} or {"days": 7}',
        help_text="A JSON object of keyword arguments.",
    )
    kind = forms.ChoiceField(
        label="Schedule", choices=PeriodicJob.Kind.choices, widget=forms.RadioSelect, initial=PeriodicJob.Kind.CRONTAB
    )
    crontab = forms.CharField(
        required=False,
        max_length=200,
        help_text="Crontab: five fields, minute hour day-of-month month day-of-week (0 and 7 are Sunday), "
        "e.g. 0 3 * * 1 for Mondays at 03:00.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    timezone = forms.ChoiceField(
        label="Time zone",
        required=False,
        choices=timezone_choices,
        help_text="Crontab: the wall clock it reads, daylight saving time included.",
        error_messages={"invalid_choice": "%(value)s is not an IANA time zone."},
    )
    interval_seconds = forms.IntegerField(
        label="Every (seconds)", required=False, min_value=1, help_text="Fixed interval: the seconds between runs."
    )
    catch_up = forms.ChoiceField(
        label="Missed fire times",
        choices=PeriodicJob.CatchUp.choices,
        help_text="After downtime or a pause: send one message for all the missed fire times, or none.",
    )

    class Meta:
        model = PeriodicJob
        fields = ["name", *services.EDITABLE]  # every field an operator may set, and the name at creation
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"enabled": "Unticked, the job is paused: it fires no more until it is enabled again."}

    # The dashboard shows the fields in these groups (the admin has its own fieldsets, in admin.py).
    groups = (
        ("The job", ("name", "actor", "args", "kwargs", "description")),
        ("When", ("kind", "crontab", "timezone", "interval_seconds", "run_at", "start_at", "end_at")),
        ("Running", ("enabled", "catch_up")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = get_current_timezone_name()
        self.fields["run_at"] = moment_field("One-off at", f"One-off: the moment it runs ({zone}).")
        self.fields["start_at"] = moment_field("Start", f"Optional: no fire time before this moment ({zone}).")
        self.fields["end_at"] = moment_field("End", f"Optional: no fire time after this moment ({zone}).")
        if self.instance.pk:
            # The name is the job's identity in the ledger: it is chosen once, when the job is created.
            self.fields["name"].disabled = True
            self.fields["name"].help_text = "The name cannot change: the ledger knows the job by it."
        else:
            self.fields["timezone"].initial = settings.TIME_ZONE
            self.fields["name"].help_text = "Letters, digits, dots, dashes and underscores; it cannot change later."

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        for field, empty in EMPTY.items():
            if kind in KIND_FIELDS and field not in KIND_FIELDS[kind]:
                cleaned[field] = empty
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # builds self.instance from the cleaned data (and checks the name is free)
        try:
            self.checked = services.job_check(job=self.instance)
        except ValidationError as error:
            # Every problem at once, but one per field: a field that failed on its way in keeps that error alone.
            fresh = {field: problems for field, problems in error.message_dict.items() if field not in self.errors}
            if fresh:
                self._update_errors(ValidationError(fresh))

    def fire_times_preview(self, count=5):
        """The first `count` fire times the job would have once saved, as the daemon will compute them."""
        return selectors.job_next_fire_times(self.checked, n=count)

    def save(self, commit=True):
        """Create or change the job through the services (which the daemons follow); commit=False only builds it."""
        if not commit or self.errors:
            return super().save(commit=False)  # with errors, Django's ValueError: an invalid form saves nothing
        values = {field: getattr(self.instance, field) for field in services.EDITABLE}
        if self.instance.pk:
            job = services.job_update(job=self.instance, **values)
        else:
            job = services.job_create(name=self.instance.name, **values)
        self.instance.pk, self.instance._state.adding = job.pk, False  # the admin goes on with this very object
        self.instance.refresh_from_db()
        return self.instance
