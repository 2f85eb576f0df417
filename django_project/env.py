"""Typed readers for settings that come from the environment; a bad value fails loudly at start-up."""

import os
from email.utils import getaddresses

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


# Old environment names still read, each {new name: old name}; `renamed_in_use` lists the ones a deployment sets,
# which the taskhistory app's system check reports as deprecated.
RENAMED = {"TASKHISTORY_RETENTION_DAYS": "DASHBOARD_RETENTION_DAYS"}


def renamed_in_use() -> list[tuple[str, str]]:
    """(old, new) for every old name set in the environment without its new name."""
    return [(old, new) for new, old in RENAMED.items() if old in os.environ and new not in os.environ]


def _with_old_name(name):
    """The variable to read for `name`: the old one when only it is set."""
    old = RENAMED.get(name)
    return old if old is not None and name not in os.environ and old in os.environ else name


def env_str(name, default=""):
    return os.environ.get(_with_old_name(name), default).strip()


def env_bool(name, default=False):
    name = _with_old_name(name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name, default, *, minimum=None, maximum=None):
    name = _with_old_name(name)
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum of {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above its maximum of {maximum}.")
    return value


def env_list(name, default=()):
    """A comma-separated list; blank items are dropped."""
    raw = os.environ.get(_with_old_name(name))
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_admins(name):
    """`Name <addr>, Name <addr>` as Django's ADMINS list of (name, address) pairs."""
    raw = os.environ.get(name, "")
    admins = []
    for display_name, address in getaddresses([raw]):
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name}: {address!r} is not an email address; write `Name <addr>, Name <addr>`."
            ) from None
        admins.append((display_name or address, address))
    return admins
