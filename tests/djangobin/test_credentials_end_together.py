"""Issue 19, item 2: a new password ends every session and every API token of the account, however it was set.

Ended tokens stay listed on the settings page with when and why, and a new one is one click away.
"""

from io import StringIO

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.template.defaultfilters import date
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from djangobin.models import ApiToken, Exposure
from djangobin.services.api_tokens import api_token_create
from tests.djangobin.helpers import PASSWORD, csrf_token_from
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase"


def read_private_snippet(user, raw):
    """The API's answer to `raw` asking for one of `user`'s private snippets."""
    snippet = make_snippet(code="secret\n", user=user, exposure=Exposure.PRIVATE)
    return Client(enforce_csrf_checks=True).get(f"/api/v2/{snippet.slug}/", HTTP_AUTHORIZATION=f"Bearer {raw}")


def reset_through_the_link(client, user, password=NEW_PASSWORD):
    """Open the reset link a reset mail carries, then set `password` on the page it leads to."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("djangobin:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done["Location"] == reverse("djangobin:password_reset_complete")


def change_on_the_password_page(client, password=NEW_PASSWORD):
    done = client.post(
        reverse("djangobin:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert done["Location"] == reverse("djangobin:password_change_done")


def logged_in(client):
    return client.get(reverse("djangobin:settings")).status_code == 200


def other_session(user):
    other = Client()
    other.force_login(user)
    assert logged_in(other)
    return other


def test_a_token_made_before_a_password_reset_through_the_link_answers_401_after_it(client, user):
    _, raw = api_token_create(user=user, name="laptop")
    assert read_private_snippet(user, raw).status_code == 200

    reset_through_the_link(client, user)

    refused = read_private_snippet(user, raw)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Bearer"


def test_a_token_made_before_a_password_change_answers_401_after_it(ann, user):
    _, raw = api_token_create(user=user, name="laptop")
    assert read_private_snippet(user, raw).status_code == 200

    change_on_the_password_page(ann)

    assert read_private_snippet(user, raw).status_code == 401


@pytest.mark.parametrize(
    "form",
    [
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        {"usable_password": "false", "unset-password": "Disable password-based authentication"},
    ],
    ids=["new password", "password login disabled"],
)
def test_a_password_set_in_the_admin_ends_the_accounts_tokens_and_sessions(admin_client, user, form):
    _, raw = api_token_create(user=user, name="laptop")
    owner = other_session(user)

    response = admin_client.post(reverse("admin:auth_user_password_change", args=[user.pk]), form)

    assert response["Location"] == reverse("admin:auth_user_change", args=[user.pk])
    assert read_private_snippet(user, raw).status_code == 401
    assert not logged_in(owner)


def test_a_token_made_after_the_reset_works(client, user):
    api_token_create(user=user, name="laptop")
    reset_through_the_link(client, user)

    _, raw = api_token_create(user=user, name="laptop again")

    assert read_private_snippet(user, raw).status_code == 200


def test_the_settings_page_lists_a_token_ended_by_a_new_password_with_when_and_why(client, user):
    token, _ = api_token_create(user=user, name="editor plugin")
    reset_through_the_link(client, user)
    user.refresh_from_db()
    client.force_login(user)

    page = client.get(reverse("djangobin:settings")).content.decode()

    ended = page[page.index('id="ended-tokens"') :]
    token.refresh_from_db()
    assert "editor plugin" in ended and token.prefix in ended
    assert f"ended on {date(token.revoked_at, 'M j, Y')}: the password was changed or reset" in ended
    assert "No tokens yet." in page  # none of its live tokens is left


def test_a_token_revoked_on_the_settings_page_is_listed_as_revoked_by_you(ann, user):
    token, raw = api_token_create(user=user, name="old")
    ann.post(reverse("djangobin:api_token_revoke", args=[token.pk]))

    page = ann.get(reverse("djangobin:settings")).content.decode()

    assert "revoked by you" in page[page.index('id="ended-tokens"') :]
    assert read_private_snippet(user, raw).status_code == 401


def test_an_ended_token_is_replaced_by_one_click_that_posts_its_name_with_a_csrf_token(csrf_client, user):
    api_token_create(user=user, name="editor plugin")
    reset_through_the_link(Client(), user)
    user.refresh_from_db()
    csrf_client.force_login(user)
    page = csrf_client.get(reverse("djangobin:settings"))
    button = page.content.decode()[page.content.decode().index('id="ended-tokens"') :]

    response = csrf_client.post(
        reverse("djangobin:api_token_create"), {"csrfmiddlewaretoken": csrf_token_from(page), "name": "editor plugin"}
    )

    assert f'action="{reverse("djangobin:api_token_create")}"' in button
    assert 'name="name" value="editor plugin"' in button
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user, name="editor plugin", revoked_at__isnull=True).count() == 1


def test_a_password_reset_ends_every_session_of_the_account(client, user):
    owner = other_session(user)

    reset_through_the_link(client, user)

    assert not logged_in(owner)
    assert not logged_in(client)


def test_a_password_change_ends_the_other_sessions_and_keeps_the_current_one(ann, user):
    owner = other_session(user)

    change_on_the_password_page(ann)

    assert not logged_in(owner)
    assert logged_in(ann)


def test_a_password_change_ends_only_the_tokens_of_that_account(ann, user):
    someone = make_user()
    _, someone_elses = api_token_create(user=someone, name="theirs")

    change_on_the_password_page(ann)

    assert read_private_snippet(someone, someone_elses).status_code == 200


def test_saving_the_account_without_a_new_password_ends_no_token(user):
    _, raw = api_token_create(user=user, name="laptop")

    user.email = "ann.new@example.com"
    user.save()
    Client().post(reverse("djangobin:login"), {"username": "ann", "password": PASSWORD})  # saves last_login

    assert read_private_snippet(user, raw).status_code == 200


class RenamedMD5PasswordHasher(MD5PasswordHasher):
    """A hasher that differs from the stored one by name only: logging in re-hashes the same password with it."""

    algorithm = "md5_renamed"


def test_a_password_re_hashed_at_login_ends_no_token(client, user, settings):
    _, raw = api_token_create(user=user, name="laptop")
    settings.PASSWORD_HASHERS = [
        f"{__name__}.RenamedMD5PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    client.post(reverse("djangobin:login"), {"username": "ann", "password": PASSWORD})

    user.refresh_from_db()
    assert user.password.startswith("md5_renamed$")
    assert read_private_snippet(user, raw).status_code == 200


def test_a_password_set_with_manage_py_changepassword_ends_the_accounts_tokens(user, monkeypatch):
    _, raw = api_token_create(user=user, name="laptop")
    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", "ann", stdout=StringIO())

    assert read_private_snippet(user, raw).status_code == 401
