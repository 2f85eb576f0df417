"""The rules a job row must meet before it is saved, one function per rule, so that a row the daemon cannot run is
never written. The services apply them all (`job_validate`); forms and the admin call the same functions.

Each rule raises Django's `ValidationError` with a message that says what is wrong and what would be right.
"""

import functools
import inspect
import re
import zoneinfo
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError

from delivery import registry

from .cron import CrontabTrigger
from .models import PeriodicJob
from .triggers import job_trigger

NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
# A schedule must fire at least once this far ahead, or it is a typo (30 February, a start after the end…).
FIRES_WITHIN = timedelta(days=5 * 366)


def validate_name(name: str) -> None:
    if not NAME.fullmatch(name or ""):
        raise ValidationError("A job's name is 1 to 100 letters, digits, dots, dashes or underscores.", code="name")


def validate_actor(actor: str) -> None:
    """`actor` is the name of an actor a worker runs (chosen from `delivery.registry.actors()`)."""
    known = registry.actors()
    if actor not in known:
        raise ValidationError(
            f"There is no actor {actor!r}; the registered actors are: {', '.join(known)}.", code="actor"
        )


def _json_problem(value, where):
    if value is None or isinstance(value, (bool, int, float, str)):
        return None
    if isinstance(value, list):
        return next((p for i, item in enumerate(value) if (p := _json_problem(item, f"{where}[{i}]"))), None)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has the key {key!r}, which is not a string"
            if problem := _json_problem(item, f"{where}[{key!r}]"):
                return problem
        return None
    return f"{where} is a {type(value).__name__}, which is not a JSON value"


def validate_message_values(args, kwargs) -> None:
    """Messages carry ids and JSON primitives, lists and objects only: what survives a round trip through JSON."""
    if not isinstance(args, list):
        raise ValidationError("The arguments must be a JSON list, e.g. [] or [42].", code="args")
    if not isinstance(kwargs, dict):
        raise ValidationError('The keyword arguments must be a JSON object, e.g. {} or {"days": 7}.', code="kwargs")
    if problem := _json_problem(args, "args") or _json_problem(kwargs, "kwargs"):
        raise ValidationError(f"Only JSON values may be sent to an actor: {problem}.", code="json")


def validate_signature(actor: str, args: list, kwargs: dict) -> None:
    """`args` and `kwargs` bind to the actor function's parameters, as the worker will call it."""
    fn = registry.actor_get(actor).fn
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as error:
        raise ValidationError(
            f"The actor {actor} takes ({_parameters(fn)}): these arguments do not fit ({error}).", code="signature"
        ) from None


def _parameters(fn):
    return ", ".join(str(parameter) for parameter in inspect.signature(fn).parameters.values()) or "no arguments"


@functools.cache
def _zones():
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str) -> None:
    if name not in _zones():
        raise ValidationError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC).")


def validate_crontab(expr: str, timezone: str, *, now: datetime) -> None:
    """A five-field crontab expression that fires at least once in the next few years."""
    try:
        trigger = CrontabTrigger(expr, timezone)
    except (ValueError, KeyError, zoneinfo.ZoneInfoNotFoundError) as error:
        raise ValidationError(
            f"{expr!r} is not a crontab expression: {error}. Five fields: minute hour day-of-month month "
            "day-of-week, e.g. '0 0 * * *' for midnight.",
            code="crontab",
        ) from None
    first = trigger.get_next_fire_time(None, now)
    if first is None or first > now + FIRES_WITHIN:
        raise ValidationError(f"The crontab {expr!r} never fires (e.g. 30 February).", code="crontab")


def validate_interval(seconds) -> None:
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise ValidationError("The interval is a whole number of seconds greater than 0.", code="interval")


def validate_window(start_at, end_at) -> None:
    if start_at is not None and end_at is not None and end_at <= start_at:
        raise ValidationError("The end must come after the start.", code="window")


def validate_fires(job: PeriodicJob, *, now: datetime) -> None:
    """The schedule as a whole (kind, moment, start, end) fires at least once from now on."""
    first = job_trigger(job).get_next_fire_time(None, now)
    if first is None or first > now + FIRES_WITHIN:
        if job.kind == PeriodicJob.Kind.ONE_OFF:
            raise ValidationError("The one-off moment must be in the future (and before the end).", code="past")
        raise ValidationError("This schedule never fires from now on: check its start and end.", code="never")


def job_validate(job: PeriodicJob, *, now: datetime, schedule_changed: bool = True) -> None:
    """Every rule, with the errors under the fields they concern; raises one `ValidationError` holding them all.

    A schedule left unchanged is not asked to fire again (a one-off that already ran may still be renamed).
    """
    errors = {}

    def check(field, rule, *args, **kwargs):
        try:
            rule(*args, **kwargs)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)

    check("name", validate_name, job.name)
    check("actor", validate_actor, job.actor)
    check("args", validate_message_values, job.args, job.kwargs)
    if not errors:
        check("args", validate_signature, job.actor, job.args, job.kwargs)
    check("catch_up", _validate_choice, job.catch_up, PeriodicJob.CatchUp)
    check("kind", _validate_choice, job.kind, PeriodicJob.Kind)
    if job.kind == PeriodicJob.Kind.CRONTAB:
        check("timezone", validate_timezone, job.timezone)
        if "timezone" not in errors:
            check("crontab", validate_crontab, job.crontab, job.timezone, now=now)
    elif job.kind == PeriodicJob.Kind.INTERVAL:
        check("interval_seconds", validate_interval, job.interval_seconds)
    elif job.kind == PeriodicJob.Kind.ONE_OFF and job.run_at is None:
        errors["run_at"] = ["A one-off job needs the moment it runs."]
    check("end_at", validate_window, job.start_at, job.end_at)
    if not errors and schedule_changed:
        check("run_at" if job.kind == PeriodicJob.Kind.ONE_OFF else "end_at", validate_fires, job, now=now)
    if errors:
        raise ValidationError(errors)


def _validate_choice(value, choices):
    if value not in choices.values:
        raise ValidationError(f"{value!r} is not one of: {', '.join(choices.values)}.", code="choice")
