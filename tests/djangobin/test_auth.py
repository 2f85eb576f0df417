"""Logging in by username or email address: the backend's rule, the site login, the admin's and the dashboard's."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.urls import reverse

from tests.djangobin.helpers import PASSWORD
from tests.factories import make_user

pytestmark = pytest.mark.django_db

OTHER_PASSWORD = "another fine passphrase"


@pytest.fixture
def dashboard_offline(settings):
    """The dashboard reads no RabbitMQ here (the machine's is shared): a refused port, no management API."""
    settings.RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:1/"
    settings.RABBITMQ_MANAGEMENT_URL = ""


def test_an_account_logs_in_by_username_or_by_email_address_whatever_its_case(user):
    for login in ("ann", "ann@example.com", " ANN@Example.COM ", "Ann"):
        assert authenticate(None, username=login, password=PASSWORD) == user, login


def test_a_username_matches_exactly_first_and_whatever_its_case_only_when_that_names_one_account():
    lower = make_user(username="kim", password=PASSWORD)
    upper = make_user(username="Kim", password=PASSWORD)

    assert authenticate(None, username="kim", password=PASSWORD) == lower
    assert authenticate(None, username="Kim", password=PASSWORD) == upper
    assert authenticate(None, username="KIM", password=PASSWORD) is None


def test_an_email_address_wins_over_a_username_spelt_like_it(user):
    squatter = make_user(username="ann@example.com", email="squatter@example.org", password=OTHER_PASSWORD)

    assert authenticate(None, username="ann@example.com", password=PASSWORD) == user
    assert authenticate(None, username="ann@example.com", password=OTHER_PASSWORD) is None
    assert authenticate(None, username="squatter@example.org", password=OTHER_PASSWORD) == squatter


def test_an_account_awaiting_activation_with_an_address_spelt_like_a_username_does_not_block_that_usernames_login():
    owner = make_user(username="kim@example.com", email="kim.real@example.org", password=PASSWORD)
    make_user(username="pending", email="KIM@example.com", password=OTHER_PASSWORD, is_active=False)

    assert authenticate(None, username="kim@example.com", password=PASSWORD) == owner
    assert authenticate(None, username="kim@example.com", password=OTHER_PASSWORD) is None


def test_a_username_with_an_at_sign_logs_in_when_no_account_has_it_as_its_email():
    odd = make_user(username="odd@handle", email="odd@example.com", password=PASSWORD)

    assert authenticate(None, username="odd@handle", password=PASSWORD) == odd


def test_a_wrong_password_an_unknown_login_and_an_inactive_account_log_nobody_in(user):
    make_user(username="idle", is_active=False, password=PASSWORD)

    assert authenticate(None, username="ann", password="wrong") is None
    assert authenticate(None, username="nobody", password=PASSWORD) is None
    assert authenticate(None, username="idle", password=PASSWORD) is None
    assert authenticate(None, username="", password=PASSWORD) is None


def test_the_site_login_takes_a_username(client, user):
    response = client.post(reverse("djangobin:login"), {"username": "ann", "password": PASSWORD})

    assert response["Location"] == reverse("djangobin:index")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_admin_login_says_it_takes_a_username_or_email(client):
    page = client.get(reverse("admin:login")).content.decode()

    assert '<label for="id_username" class="required">Username or email:</label>' in page
    assert 'maxlength="254"' in page


@pytest.mark.parametrize("login", ["boss", "boss@example.com"])
def test_the_account_createsuperuser_makes_logs_into_the_admin_and_the_dashboard(
    client, monkeypatch, dashboard_offline, login
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="boss", email="boss@example.com", verbosity=0)

    response = client.post(reverse("admin:login"), {"username": login, "password": PASSWORD, "next": "/dashboard/"})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_staff_menu_links_the_dashboard_for_staff_only(client):
    dashboard_link = f'<a href="{reverse("dashboard:overview")}">Dashboard</a>'
    client.force_login(make_user())
    assert dashboard_link not in client.get(reverse("djangobin:about")).content.decode()

    client.force_login(make_user(is_staff=True))
    assert dashboard_link in client.get(reverse("djangobin:about")).content.decode()
