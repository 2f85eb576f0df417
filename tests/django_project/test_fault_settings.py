import pytest
from django.core.exceptions import ImproperlyConfigured

from django_project.settings import env_rates


def test_a_rate_setting_names_a_per_ip_and_a_per_account_limit(monkeypatch):
    monkeypatch.setenv("DJANGO_RATE_LOGIN", "30/10m, 5/h")
    assert env_rates("DJANGO_RATE_LOGIN", "1/s") == {"ip": "30/10m", "account": "5/h"}


def test_a_third_rate_limits_an_account_across_every_address(monkeypatch):
    monkeypatch.setenv("DJANGO_RATE_LOGIN", "30/10m,10/15m,60/h")
    assert env_rates("DJANGO_RATE_LOGIN", "1/s") == {"ip": "30/10m", "account": "10/15m", "account_any_ip": "60/h"}


def test_a_limit_can_be_switched_off_one_kind_at_a_time(monkeypatch):
    monkeypatch.setenv("DJANGO_RATE_LOGIN", "off,5/h")
    assert env_rates("DJANGO_RATE_LOGIN", "1/s") == {"account": "5/h"}
    monkeypatch.setenv("DJANGO_RATE_LOGIN", "off")
    assert env_rates("DJANGO_RATE_LOGIN", "1/s") == {}


def test_an_unset_rate_takes_its_default(monkeypatch):
    monkeypatch.delenv("DJANGO_RATE_SIGNUP", raising=False)
    assert env_rates("DJANGO_RATE_SIGNUP", "10/h") == {"ip": "10/h"}


@pytest.mark.parametrize("bad", ["ten per hour", "10/w", "10", "10/h,5/h,1/s,1/m"])
def test_a_malformed_rate_stops_start_up_with_a_message_naming_it(monkeypatch, bad):
    monkeypatch.setenv("DJANGO_RATE_SIGNUP", bad)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_RATE_SIGNUP"):
        env_rates("DJANGO_RATE_SIGNUP", "10/h")
