"""Sign-up and activation, login and logout, settings, account details, password reset and change."""

import re
from urllib.parse import urlsplit

import dramatiq
import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actors.mail import (
    send_activation_mail,
    send_activation_mail_to,
    send_password_reset_mail_to,
    send_signup_attempt_mail,
)
from djangobin.models import Author, Language, Snippet
from djangobin.tokens import activation_token
from djangobin.views import accounts as account_views
from tests.djangobin.helpers import PASSWORD, csrf_token_from
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a brand new passphrase"


def signup_data(**fields):
    return {
        "username": "bob.s+paste",
        "email": "bob@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }


def link_in(message):
    return re.search(r"https?://\S+", message.body).group(0)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# Sign-up and activation


def test_signup_creates_an_inactive_user(client, broker):
    response = client.post(reverse("djangobin:signup"), signup_data())

    assert response.status_code == 200
    assert "bob@example.com" in response.content.decode()
    user = User.objects.get(username="bob.s+paste")
    assert user.email == "bob@example.com"
    assert not user.is_active


def test_signup_enqueues_the_activation_mail_only_after_commit_with_ids_and_primitives(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("djangobin:signup"), signup_data())
        assert queued("mail") == [], "nothing may be sent before the account is committed"

    for callback in callbacks:
        callback()
    [message] = queued("mail")
    user = User.objects.get(username="bob.s+paste")
    assert message.actor_name == "send_activation_mail"
    assert list(message.args) == [user.pk, "http://testserver"]
    assert message.kwargs == {}
    assert mailoutbox == [], "the request itself sends no mail"


def test_a_signup_rolled_back_after_the_account_was_written_enqueues_nothing(
    client, queued, monkeypatch, django_capture_on_commit_callbacks
):
    # The whole request in one transaction (ATOMIC_REQUESTS), failing after user_create has returned.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    render = account_views.render

    def render_fails_on_the_done_page(request, template_name, *args, **kwargs):
        if template_name == "djangobin/signup_done.html":
            raise RuntimeError("the page failed after the account was written")
        return render(request, template_name, *args, **kwargs)

    monkeypatch.setattr(account_views, "render", render_fails_on_the_done_page)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        client.post(reverse("djangobin:signup"), signup_data())

    assert callbacks == []
    assert queued("mail") == []
    assert not User.objects.filter(username="bob.s+paste").exists()


def test_signup_with_an_address_that_has_an_account_answers_exactly_as_a_new_signup(client, user, broker):
    new = client.post(reverse("djangobin:signup"), signup_data(email="new@example.com"))
    client.logout()
    cache.clear()  # the sidebar is rendered again, as for the first answer
    taken = client.post(reverse("djangobin:signup"), signup_data(username="bob2", email="ANN@example.com"))

    assert taken.status_code == new.status_code == 200
    assert [t.name for t in taken.templates] == [t.name for t in new.templates]
    assert taken.content.decode().replace("ANN@example.com", "new@example.com") == new.content.decode()
    assert not User.objects.filter(username="bob2").exists()


def test_signup_with_an_address_that_has_an_account_mails_its_owner_instead_after_commit(
    client, user, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("djangobin:signup"), signup_data(email="Ann@Example.com"))
        assert queued("mail") == []
    for callback in callbacks:
        callback()

    [message] = queued("mail")
    assert message.actor_name == "send_signup_attempt_mail"
    assert list(message.args) == [user.pk, "http://testserver"]
    assert mailoutbox == [], "the request itself sends no mail"


def test_a_new_signup_and_one_with_a_taken_address_each_queue_one_message(
    client, user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:signup"), signup_data(email="ann@example.com"))
    taken = queued("mail")
    dramatiq.get_broker().flush_all()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:signup"), signup_data(email="fresh@example.com"))

    assert [m.actor_name for m in taken] == ["send_signup_attempt_mail"]
    assert [m.actor_name for m in queued("mail")] == ["send_activation_mail"]


def test_the_owner_of_a_taken_address_is_mailed_links_to_log_in_and_reset(user, mailoutbox):
    send_signup_attempt_mail.fn(user.pk, "https://paste.example.com")

    [mail] = mailoutbox
    assert mail.to == ["ann@example.com"]
    assert "Someone tried to sign up" in mail.subject
    assert "https://paste.example.com/login/" in mail.body
    assert "https://paste.example.com/password-reset/" in mail.body


def test_a_signup_attempt_mail_queued_for_a_never_activated_account_mails_nobody(mailoutbox):
    pending = make_user(is_active=False)

    send_signup_attempt_mail.fn(pending.pk, "https://paste.example.com")

    assert mailoutbox == []


SQUATTER_PASSWORD = "the squatter's own passphrase"


def signup_and_mail(client, queued, capture, mailoutbox, **fields):
    """POST the sign-up form, run the activation mail it queued as a worker would, and return that mail."""
    dramatiq.get_broker().flush_all()
    mailoutbox.clear()
    with capture(execute=True):
        response = client.post(reverse("djangobin:signup"), signup_data(**fields))
    assert response.status_code == 200
    [message] = queued("mail")
    assert message.actor_name == "send_activation_mail"
    send_activation_mail.fn(*message.args)
    [activation] = mailoutbox
    return activation


def test_an_address_squatted_by_a_never_activated_account_goes_to_its_owner_who_signs_up_and_activates(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    # Given someone signed up with the victim's address and a password of their own, and never activated
    squat = {"username": "squatter", "email": "victim@example.com"}
    squat_mail = signup_and_mail(
        client,
        queued,
        django_capture_on_commit_callbacks,
        mailoutbox,
        **squat,
        password1=SQUATTER_PASSWORD,
        password2=SQUATTER_PASSWORD,
    )
    # When the victim signs up with their address
    activation = signup_and_mail(
        client, queued, django_capture_on_commit_callbacks, mailoutbox, username="victim", email="Victim@example.com"
    )
    # Then the victim is mailed an activation link for their own account, which activates it
    assert activation.to == ["Victim@example.com"]
    assert client.post(urlsplit(link_in(activation)).path)["Location"] == reverse("djangobin:login")
    # And the victim logs in with their password, while the squatter's password and link do nothing
    assert login(client, "victim@example.com")["Location"] == reverse("djangobin:index")
    assert logged_in_user_id(client) == str(User.objects.get(username="victim").pk)
    client.logout()
    assert login(client, "victim@example.com", password=SQUATTER_PASSWORD).status_code == 200
    assert login(client, "squatter", password=SQUATTER_PASSWORD).status_code == 200
    assert logged_in_user_id(client) is None
    assert client.post(urlsplit(link_in(squat_mail)).path)["Location"] == reverse("djangobin:resend_activation")
    assert list(User.objects.values_list("username", flat=True)) == ["victim"]


def test_the_username_of_a_replaced_never_activated_account_is_free_again(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    signup_and_mail(client, queued, django_capture_on_commit_callbacks, mailoutbox, username="squatter")
    signup_and_mail(client, queued, django_capture_on_commit_callbacks, mailoutbox, username="owner")

    signup_and_mail(
        client, queued, django_capture_on_commit_callbacks, mailoutbox, username="squatter", email="other@example.com"
    )

    assert sorted(User.objects.values_list("username", "email")) == [
        ("owner", "bob@example.com"),
        ("squatter", "other@example.com"),
    ]


def test_the_owner_of_an_address_takes_back_the_username_a_never_activated_account_with_it_holds(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    # Given someone signed up with the victim's address and the victim's username, and never activated
    squat = {"email": "victim@example.com", "password1": SQUATTER_PASSWORD, "password2": SQUATTER_PASSWORD}
    signup_and_mail(client, queued, django_capture_on_commit_callbacks, mailoutbox, username="victim", **squat)
    # When the victim signs up with both, the username whatever its case, and activates
    activation = signup_and_mail(
        client, queued, django_capture_on_commit_callbacks, mailoutbox, username="Victim", email="victim@example.com"
    )
    client.post(urlsplit(link_in(activation)).path)
    # Then the account is the victim's, with the victim's password
    assert login(client, "Victim")["Location"] == reverse("djangobin:index")
    assert list(User.objects.values_list("username", flat=True)) == ["Victim"]


def test_a_username_a_never_activated_account_with_another_address_holds_is_still_a_form_error(client, broker):
    pending = make_user(username="pending", email="someone@example.com", is_active=False)

    response = client.post(reverse("djangobin:signup"), signup_data(username="Pending"))

    assert "A user with that username already exists." in response.content.decode()
    assert list(User.objects.values_list("pk", flat=True)) == [pending.pk]


def test_a_signup_over_a_never_activated_account_with_a_username_someone_else_has_is_a_form_error(client, user, broker):
    pending = make_user(username="pending", email="bob@example.com", is_active=False)

    response = client.post(reverse("djangobin:signup"), signup_data(username="ann"))

    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.filter(pk=pending.pk).exists()


def test_a_signup_with_an_address_an_admin_deactivated_account_has_replaces_nothing(client, queued, broker):
    deactivated = make_user(email="bob@example.com")
    deactivate(deactivated)

    client.post(reverse("djangobin:signup"), signup_data())

    assert list(User.objects.values_list("pk", flat=True)) == [deactivated.pk]


def test_an_activation_link_dies_when_its_accounts_username_or_password_changes():
    account = make_user(is_active=False)
    token = activation_token.make_token(account)

    renamed = User.objects.get(pk=account.pk)
    renamed.username = "someone.else"
    new_password = User.objects.get(pk=account.pk)
    new_password.set_password("another passphrase")

    assert activation_token.check_token(User.objects.get(pk=account.pk), token)
    assert not activation_token.check_token(renamed, token)
    assert not activation_token.check_token(new_password, token)


def test_signup_shows_password_mismatch_as_a_field_error(client, broker):
    response = client.post(reverse("djangobin:signup"), signup_data(password2="something else entirely"))

    assert "password2" in response.context["form"].errors
    assert 'id="id_password2_error"' in response.content.decode()


def test_a_signup_with_a_forged_host_header_gets_400_and_mails_nothing(
    client, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("djangobin:signup"), signup_data(), HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert b"<h1>Bad request</h1>" in response.content
    assert b"evil.example" not in response.content
    assert callbacks == []
    assert queued("mail") == []
    assert not User.objects.exists()


def test_the_activation_link_is_built_from_the_validated_host(
    client, settings, queued, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["paste.example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:signup"), signup_data(), HTTP_HOST="paste.example.org")

    [message] = queued("mail")
    assert message.args[1] == "http://paste.example.org"


def test_a_configured_site_url_wins_over_the_request_host(client, settings, queued, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://paste.example.com"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:signup"), signup_data())

    [message] = queued("mail")
    assert message.args[1] == "https://paste.example.com"


def test_the_activation_link_works_once_and_is_then_refused(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:signup"), signup_data())
    [message] = queued("mail")
    send_activation_mail.fn(*message.args)
    path = urlsplit(link_in(mailoutbox[0])).path

    first = client.post(path)
    second = client.post(path)

    assert first.status_code == 302
    assert first["Location"] == reverse("djangobin:login")
    assert User.objects.get(username="bob.s+paste").is_active
    assert second.status_code == 302
    assert second["Location"] == reverse("djangobin:resend_activation")
    assert "invalid, used or expired" in " ".join(str(m) for m in get_messages(second.wsgi_request))


def activation_path(user):
    return reverse(
        "djangobin:activate", args=[urlsafe_base64_encode(force_bytes(user.pk)), activation_token.make_token(user)]
    )


def deactivate(user):
    """What an admin does in the admin's user page: untick "active" and save."""
    user.is_active = False
    user.save()


def test_opening_the_activation_link_shows_a_button_and_activates_nothing(client):
    inactive = make_user(is_active=False)

    response = client.get(activation_path(inactive))

    assert response.status_code == 200
    assert '<form method="post">' in response.content.decode()
    inactive.refresh_from_db()
    assert not inactive.is_active


def test_the_activation_pages_button_posts_with_its_csrf_token_activates_and_records_when(csrf_client):
    inactive = make_user(is_active=False)
    page = csrf_client.get(activation_path(inactive))

    refused = csrf_client.post(activation_path(inactive))
    response = csrf_client.post(activation_path(inactive), {"csrfmiddlewaretoken": csrf_token_from(page)})

    assert refused.status_code == 403
    assert response["Location"] == reverse("djangobin:login")
    inactive.refresh_from_db()
    assert inactive.is_active
    assert inactive.author.activated_at is not None


def test_a_used_activation_link_does_not_reactivate_an_account_an_admin_deactivated(client):
    account = make_user(is_active=False)
    path = activation_path(account)
    assert client.post(path)["Location"] == reverse("djangobin:login")
    account.refresh_from_db()
    deactivate(account)

    response = client.post(path)

    assert response["Location"] == reverse("djangobin:resend_activation")
    account.refresh_from_db()
    assert not account.is_active


def test_a_fresh_activation_link_does_not_reactivate_an_account_an_admin_deactivated(client, mailoutbox):
    account = make_user()
    deactivate(account)

    opened = client.get(activation_path(account))
    response = client.post(activation_path(account))

    assert opened["Location"] == response["Location"] == reverse("djangobin:resend_activation")
    account.refresh_from_db()
    assert not account.is_active
    send_activation_mail.fn(account.pk, "http://testserver")
    assert mailoutbox == []


def test_resending_answers_a_deactivated_account_as_anyone_and_its_queued_message_mails_nothing(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    account = make_user(email="gone@example.com")
    deactivate(account)

    with django_capture_on_commit_callbacks(execute=True):
        deactivated = client.post(reverse("djangobin:resend_activation"), {"email": "gone@example.com"}, follow=True)
        unknown = client.post(reverse("djangobin:resend_activation"), {"email": "nobody@example.com"}, follow=True)

    assert deactivated.redirect_chain == unknown.redirect_chain
    assert [str(m) for m in deactivated.context["messages"]] == [str(m) for m in unknown.context["messages"]]
    for message in queued("mail"):
        send_activation_mail_to.fn(*message.args)
    assert mailoutbox == []


def test_a_forged_activation_link_is_refused(client):
    inactive = make_user(is_active=False)

    response = client.get(reverse("djangobin:activate", args=["MQ", "bad-token"]), follow=True)

    assert "invalid, used or expired" in response.content.decode()
    inactive.refresh_from_db()
    assert not inactive.is_active


def test_resending_queues_one_message_with_the_address_whether_or_not_an_account_awaits_activation(
    client, user, queued, django_capture_on_commit_callbacks
):
    make_user(email="late@example.com", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        pending = client.post(reverse("djangobin:resend_activation"), {"email": "late@example.com"})
        unknown = client.post(reverse("djangobin:resend_activation"), {"email": "nobody@example.com"})
        active = client.post(reverse("djangobin:resend_activation"), {"email": user.email})

    assert pending.status_code == unknown.status_code == active.status_code == 302
    assert pending["Location"] == unknown["Location"] == active["Location"]
    assert [(m.actor_name, list(m.args), m.kwargs) for m in queued("mail")] == [
        ("send_activation_mail_to", [email, "http://testserver"], {})
        for email in ("late@example.com", "nobody@example.com", "ann@example.com")
    ]


def test_the_resent_link_reaches_the_account_awaiting_activation_and_activates_it(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    inactive = make_user(email="late@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:resend_activation"), {"email": "LATE@example.com"})

    [message] = queued("mail")
    send_activation_mail_to.fn(*message.args)
    [mail] = mailoutbox

    assert mail.to == ["late@example.com"]
    assert client.post(urlsplit(link_in(mail)).path)["Location"] == reverse("djangobin:login")
    inactive.refresh_from_db()
    assert inactive.is_active


def test_a_logged_in_user_is_sent_away_from_signup(ann):
    assert ann.get(reverse("djangobin:signup")).status_code == 302


# Login


def login(client, username_or_email, password=PASSWORD, **extra):
    return client.post(reverse("djangobin:login"), {"username": username_or_email, "password": password, **extra})


def test_login_is_by_email_or_username_and_password(client, user):
    response = login(client, "ann@example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("djangobin:index")
    assert logged_in_user_id(client) == str(user.pk)


def test_login_matches_the_email_whatever_its_case(client, user):
    login(client, "ANN@Example.com")

    assert logged_in_user_id(client) == str(user.pk)


def test_login_by_username_logs_in_too(client, user):
    response = login(client, "ann")

    assert response["Location"] == reverse("djangobin:index")
    assert logged_in_user_id(client) == str(user.pk)


def test_the_login_field_says_it_takes_a_username_or_an_email(client):
    page = client.get(reverse("djangobin:login")).content.decode()

    assert '<label for="id_username">Username or email' in page


def test_an_inactive_account_cannot_log_in(client):
    make_user(email="idle@example.com", is_active=False)

    response = login(client, "idle@example.com")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_login_failures_give_one_message_for_unknown_email_wrong_password_and_inactive_account(client, user):
    make_user(email="idle@example.com", is_active=False)

    errors = [
        login(client, "nobody@example.com").context["form"].non_field_errors(),
        login(client, "ann@example.com", password="wrong password").context["form"].non_field_errors(),
        login(client, "idle@example.com").context["form"].non_field_errors(),
    ]

    assert errors[0] == errors[1] == errors[2]
    assert len(errors[0]) == 1


def test_login_returns_to_a_next_page_on_this_site(client, user):
    response = login(client, "ann@example.com", next="/trending/python/?page=2")

    assert response["Location"] == "/trending/python/?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/login/",
        "//evil.example/",
        "///evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_to_another_site(client, user, target):
    response = login(client, "ann@example.com", next=target)

    assert response.status_code == 302
    assert response["Location"] == reverse("djangobin:index")


def test_the_login_page_keeps_a_safe_next_and_drops_an_unsafe_one(client):
    safe = client.get(reverse("djangobin:login") + "?next=/settings/").content.decode()
    unsafe = client.get(reverse("djangobin:login") + "?next=//evil.example/").content.decode()

    assert '<input type="hidden" name="next" value="/settings/">' in safe
    assert "evil.example" not in unsafe


def test_a_page_behind_login_sends_visitors_to_log_in_and_back(client, user):
    response = client.get(reverse("djangobin:settings"))
    assert response["Location"] == reverse("djangobin:login") + "?next=/settings/"

    response = login(client, "ann@example.com", next="/settings/")

    assert response["Location"] == "/settings/"


# Logout


def test_logout_by_get_is_not_allowed(ann, user):
    response = ann.get(reverse("djangobin:logout"))

    assert response.status_code == 405
    assert logged_in_user_id(ann) == str(user.pk)


def test_logout_without_a_csrf_token_is_refused(csrf_client, user):
    csrf_client.force_login(user)

    response = csrf_client.post(reverse("djangobin:logout"))

    assert response.status_code == 403
    assert logged_in_user_id(csrf_client) == str(user.pk)


def test_logout_is_the_menus_post_form_with_its_csrf_token(csrf_client, user):
    csrf_client.force_login(user)
    page = csrf_client.get(reverse("djangobin:index"))
    assert f'<form method="post" action="{reverse("djangobin:logout")}">' in page.content.decode()

    response = csrf_client.post(reverse("djangobin:logout"), {"csrfmiddlewaretoken": csrf_token_from(page)})

    assert response.status_code == 302
    assert logged_in_user_id(csrf_client) is None


# Settings and account details


def test_settings_save_paste_defaults_and_a_private_profile(ann, user):
    rust = Language.objects.get(slug="rust")

    response = ann.post(
        reverse("djangobin:settings"),
        {"default_language": rust.pk, "default_expiration": "1 month", "default_exposure": "unlisted", "private": "on"},
    )

    assert response.status_code == 302
    author = Author.objects.get(user=user)
    assert (author.default_language, author.default_expiration, author.default_exposure, author.private) == (
        rust,
        "1 month",
        "unlisted",
        True,
    )


def test_the_settings_page_shows_the_saved_values(ann, user):
    Author.objects.filter(user=user).update(default_expiration="1 year", private=True)

    form = ann.get(reverse("djangobin:settings")).context["form"]

    assert form["default_expiration"].value() == "1 year"
    assert form["private"].value() is True


EXPIRATION_OFFERED = ["10 minutes", "1 hour", "1 day", "1 week", "1 month", "6 months", "1 year", "never"]


def test_the_settings_page_offers_every_expiration_and_saves_a_short_default(ann, user):
    page = ann.get(reverse("djangobin:settings"))
    offered = re.findall(r'<option value="([^"]*)"', page.content.decode().split('name="default_expiration"')[1])

    ann.post(reverse("djangobin:settings"), {"default_expiration": "10 minutes", "default_exposure": "public"})

    assert offered[: len(EXPIRATION_OFFERED)] == EXPIRATION_OFFERED
    assert "custom" not in offered[: len(EXPIRATION_OFFERED) + 1]
    assert Author.objects.get(user=user).default_expiration == "10 minutes"


def test_settings_refuse_an_unknown_choice_with_a_form_error(ann, user):
    for unknown in ("forever", "custom"):  # custom is a lifetime an API client chose, never a default
        response = ann.post(
            reverse("djangobin:settings"), {"default_expiration": unknown, "default_exposure": "public"}
        )

        assert response.status_code == 200
        assert "default_expiration" in response.context["form"].errors


def test_account_details_show_the_email_and_the_count_of_live_snippets(ann, user):
    make_snippet(user=user)
    make_snippet(user=user)
    expired = make_snippet(user=user, expiration="1 week")
    Snippet.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    html = ann.get(reverse("djangobin:user_details")).content.decode()

    assert "ann@example.com" in html
    assert '<a href="/user/ann/">2</a>' in html


# Password reset and change


def test_password_reset_enqueues_its_mail_instead_of_sending_it_in_the_request(
    client, user, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("djangobin:password_reset"), {"email": "ann@example.com"})

    assert response["Location"] == reverse("djangobin:password_reset_done")
    assert mailoutbox == []
    [message] = queued("mail")
    assert message.actor_name == "send_password_reset_mail_to"
    assert list(message.args) == ["ann@example.com", "http://testserver"]


def test_password_reset_for_an_unknown_address_answers_the_same_and_queues_the_same_one_message(
    client, user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("djangobin:password_reset"), {"email": "ann@example.com"})
        unknown = client.post(reverse("djangobin:password_reset"), {"email": "nobody@example.com"})

    assert known["Location"] == unknown["Location"] == reverse("djangobin:password_reset_done")
    assert [(m.actor_name, list(m.args), m.kwargs) for m in queued("mail")] == [
        ("send_password_reset_mail_to", ["ann@example.com", "http://testserver"], {}),
        ("send_password_reset_mail_to", ["nobody@example.com", "http://testserver"], {}),
    ]


def test_the_reset_link_in_the_workers_mail_sets_a_new_password_once(
    client, user, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("djangobin:password_reset"), {"email": "ann@example.com"})
    [message] = queued("mail")
    send_password_reset_mail_to.fn(*message.args)
    link = urlsplit(link_in(mailoutbox[0])).path

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("djangobin:password_reset_complete")
    assert client.get(done["Location"]).status_code == 200
    assert login(client, "ann@example.com", password=NEW_PASSWORD)["Location"] == reverse("djangobin:index")
    client.logout()
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_change_sets_the_new_password_and_keeps_the_user_logged_in(ann, user):
    response = ann.post(
        reverse("djangobin:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("djangobin:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert ann.get(reverse("djangobin:password_change_done")).status_code == 200


def test_password_change_with_a_wrong_old_password_is_a_form_error(ann, user):
    response = ann.post(
        reverse("djangobin:password_change"),
        {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("email", ["bob@example.com\x00", "not an address", ""])
def test_a_signup_with_a_taken_username_and_a_bad_address_is_a_form_error_for_both(client, broker, email):
    make_user(username="pending", email="bob@example.com", is_active=False)

    response = client.post(reverse("djangobin:signup"), signup_data(username="pending", email=email))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "email"}
