"""The typed environment readers behind settings.py: good values parse, bad ones stop start-up with a clear message."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_project.env import env_admins, env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True), ("0", False), ("false", False), ("off", False)],
)
def test_a_boolean_is_read_from_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_an_unset_boolean_takes_its_default(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_an_empty_boolean_means_off(monkeypatch):
    monkeypatch.setenv("FLAG", "")
    assert env_bool("FLAG", True) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "enabled"])
def test_a_bad_boolean_fails_naming_the_variable_the_value_and_what_is_allowed(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_bool("DJANGO_DEBUG", False)
    assert f"DJANGO_DEBUG={raw!r} is not a boolean" in str(error.value)
    assert "1/0, true/false" in str(error.value)


def test_a_number_is_read_and_blank_means_the_default(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", " 587 ")
    assert env_int("EMAIL_PORT", 25) == 587
    monkeypatch.setenv("EMAIL_PORT", "")
    assert env_int("EMAIL_PORT", 25) == 25
    monkeypatch.delenv("EMAIL_PORT")
    assert env_int("EMAIL_PORT", 25) == 25


@pytest.mark.parametrize("raw", ["twenty-five", "25.0", "0x19", "25 s"])
def test_a_value_that_is_not_a_whole_number_fails_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("EMAIL_PORT", raw)
    with pytest.raises(ImproperlyConfigured, match=r"EMAIL_PORT=.* is not a whole number"):
        env_int("EMAIL_PORT", 25)


def test_a_number_outside_its_bounds_fails_naming_the_bound(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "0")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT=0 is below its minimum of 1"):
        env_int("EMAIL_PORT", 25, minimum=1)
    monkeypatch.setenv("MAIL_RETRY_MIN_BACKOFF_MS", "3600000")
    with pytest.raises(ImproperlyConfigured, match="MAIL_RETRY_MIN_BACKOFF_MS=3600000 is above its maximum of 600000"):
        env_int("MAIL_RETRY_MIN_BACKOFF_MS", 15_000, minimum=1, maximum=600_000)


def test_a_string_is_stripped_and_defaults_when_unset(monkeypatch):
    monkeypatch.setenv("EMAIL_HOST", "  smtp.example.com\n")
    assert env_str("EMAIL_HOST") == "smtp.example.com"
    monkeypatch.delenv("EMAIL_HOST")
    assert env_str("EMAIL_HOST", "fallback") == "fallback"


def test_a_list_drops_blank_items_and_defaults_when_unset(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", " paste.example.com, ,www.example.com,")
    assert env_list("DJANGO_ALLOWED_HOSTS") == ["paste.example.com", "www.example.com"]
    monkeypatch.delenv("DJANGO_ALLOWED_HOSTS")
    assert env_list("DJANGO_ALLOWED_HOSTS", ["localhost"]) == ["localhost"]


def test_admins_are_read_as_name_and_address_pairs(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMINS", "Ann Admin <ann@example.com>, Bob <bob@example.org>")
    assert env_admins("DJANGO_ADMINS") == [("Ann Admin", "ann@example.com"), ("Bob", "bob@example.org")]


def test_an_admin_without_a_name_is_named_by_the_address_and_a_quoted_name_may_hold_a_comma(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMINS", 'ops@example.com, "Doe, Jane" <jane@example.com>')
    assert env_admins("DJANGO_ADMINS") == [("ops@example.com", "ops@example.com"), ("Doe, Jane", "jane@example.com")]


def test_no_admins_is_an_empty_list(monkeypatch):
    monkeypatch.delenv("DJANGO_ADMINS", raising=False)
    assert env_admins("DJANGO_ADMINS") == []
    monkeypatch.setenv("DJANGO_ADMINS", "  ")
    assert env_admins("DJANGO_ADMINS") == []


@pytest.mark.parametrize(
    ("raw", "culprit"),
    [
        ("Ann <ann.example.com>", "ann.example.com"),
        ("Ann Admin ann@example.com", "Ann Admin ann@example.com"),  # brackets forgotten
        ("Ann, Bob <bob@example.com>", "Ann"),  # a name without an address
    ],
)
def test_an_admin_that_is_not_an_address_fails_naming_it(monkeypatch, raw, culprit):
    monkeypatch.setenv("DJANGO_ADMINS", raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_admins("DJANGO_ADMINS")
    assert f"DJANGO_ADMINS: {culprit!r} is not an email address" in str(error.value)
