"""The forms behind the pages: what each accepts, what it refuses, and how it says so."""

import pytest

from djangobin.forms import ContactForm, LoginForm, SearchForm, SettingsForm, SignupForm, SnippetForm
from djangobin.models import Exposure, Language
from tests.djangobin.helpers import PASSWORD
from tests.factories import make_user, python

pytestmark = pytest.mark.django_db


def snippet_form(user=None, **fields):
    data = {"original_code": "print(1)\n", "language": python().pk, "expiration": "never", "exposure": "public"}
    return SnippetForm({**data, **fields}, user=user)


# SnippetForm


def test_the_snippet_form_offers_private_exposure_to_logged_in_users_only():
    anonymous = SnippetForm(user=None).fields["exposure"].choices
    member = SnippetForm(user=make_user()).fields["exposure"].choices

    assert Exposure.PRIVATE not in [value for value, _ in anonymous]
    assert Exposure.PRIVATE in [value for value, _ in member]


def test_the_snippet_form_keeps_the_code_exactly_as_typed():
    code = "\n\n    indented()\n\t\n"
    form = snippet_form(original_code=code)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["original_code"] == code


def test_the_snippet_form_stores_a_browsers_crlf_line_ends_as_the_lf_the_user_had_in_the_box():
    # A browser sends a textarea's line breaks as CRLF, a lone CR included (HTML's form submission rule).
    form = snippet_form(original_code="#!/bin/sh\r\necho one\r\n\r\necho two\r\n")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["original_code"] == "#!/bin/sh\necho one\n\necho two\n"


def test_the_snippet_forms_size_limit_counts_the_text_as_stored_not_the_crlf_a_browser_sent(settings):
    settings.SNIPPET_MAX_BYTES = 1000

    form = snippet_form(original_code="x\r\n" * 500)  # 1,500 bytes sent, 1,000 stored

    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["original_code"].encode()) == 1000


def test_the_snippet_form_refuses_code_of_only_whitespace():
    form = snippet_form(original_code=" \n\t ")

    assert form.errors["original_code"] == ["The snippet is empty."]


def test_the_snippet_form_refuses_code_over_the_size_limit_and_says_the_limit(settings):
    settings.SNIPPET_MAX_BYTES = 1024

    form = snippet_form(original_code="é" * 600)  # 1,200 bytes in UTF-8

    assert "the limit is 1,024 bytes" in form.errors["original_code"][0]


def test_the_snippet_form_refuses_a_nul_character_instead_of_a_database_error():
    assert "original_code" in snippet_form(original_code="a\x00b").errors
    assert "title" in snippet_form(title="a\x00b").errors


def test_the_snippet_form_cleans_tags_into_a_list():
    form = snippet_form(tags=" Web, web ,, API ")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["web", "api"]


def test_the_snippet_form_refuses_too_many_tags_instead_of_dropping_some(settings):
    settings.SNIPPET_MAX_TAGS = 2

    assert "tags" in snippet_form(tags="a, b, c").errors


def test_the_snippet_form_refuses_an_overlong_tag():
    assert "tags" in snippet_form(tags="x" * 51).errors


def test_the_snippet_form_refuses_an_unknown_expiration():
    assert "expiration" in snippet_form(expiration="30 days").errors


# ContactForm


def contact_form(**fields):
    return ContactForm({"name": "Ann", "email": "ann@example.com", "purpose": "feedback", "message": "Hi", **fields})


def test_the_contact_form_accepts_a_plain_message():
    assert contact_form().is_valid()


@pytest.mark.parametrize("name", ["Ann\nBcc: x@example.com", "Ann\rBcc: x@example.com"])
def test_the_contact_form_refuses_a_name_with_a_line_break(name):
    assert contact_form(name=name).errors["name"] == ["Line breaks are not allowed here."]


def test_the_contact_form_refuses_an_unknown_purpose_and_a_bad_email():
    form = contact_form(purpose="spam", email="not-an-address")

    assert set(form.errors) == {"purpose", "email"}


# SignupForm


def signup_form(**fields):
    data = {"username": "bob", "email": "bob@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return SignupForm({**data, **fields})


@pytest.mark.parametrize("username", ["bob.smith", "bob@home", "bob+paste", "bob-smith", "bob_smith"])
def test_the_signup_form_accepts_usernames_with_dot_at_plus_dash_and_underscore(username):
    assert signup_form(username=username).is_valid()


def test_the_signup_form_refuses_a_username_with_a_slash_or_space():
    assert "username" in signup_form(username="bob/smith").errors
    assert "username" in signup_form(username="bob smith").errors


def test_the_signup_form_requires_an_email_and_does_not_say_whether_it_has_an_account():
    make_user(email="bob@example.com")

    assert signup_form(email="BOB@example.com").is_valid()
    assert "email" in signup_form(email="").errors


def test_the_signup_form_refuses_a_username_that_is_taken():
    make_user(username="bob")

    assert "username" in signup_form().errors


def test_the_signup_form_applies_the_password_validators():
    assert "password2" in signup_form(password1="12345678", password2="12345678").errors


# LoginForm, SearchForm, SettingsForm


def test_the_login_form_takes_a_username_or_email_and_keeps_the_password_unstripped():
    form = LoginForm({"username": " ann@example.com ", "password": " spaced "})

    assert form.is_valid()
    assert form.cleaned_data == {"username": "ann@example.com", "password": " spaced "}
    assert LoginForm({"username": "ann", "password": "x"}).is_valid()
    assert "username" in LoginForm({"username": "a\x00", "password": "x"}).errors


def test_the_search_form_treats_a_missing_checkbox_as_off_and_refuses_nul():
    form = SearchForm({"query": "needle"})

    assert form.is_valid()
    assert form.cleaned_data["mysnippet"] is False
    assert "query" in SearchForm({"query": "a\x00"}).errors


def test_the_settings_form_allows_no_default_language_and_refuses_an_unknown_exposure():
    assert SettingsForm({"default_expiration": "never", "default_exposure": "private"}).is_valid()
    assert "default_exposure" in SettingsForm({"default_expiration": "never", "default_exposure": "secret"}).errors


@pytest.mark.django_db
def test_a_new_paste_defaults_to_plain_text_when_no_saved_default_says_otherwise():
    form = SnippetForm()
    assert form.initial["language"] == Language.objects.get(lang_code="text").pk
