"""Point 7: rate limits per client address and per account; over a limit, a readable 429 page."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from djangobin.models import Feedback, Snippet
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann", "email": "ann@example.com", "purpose": "bug", "message": "hello"}
PASTE = {"original_code": "x = 1\n", "language": "1", "expiration": "never", "exposure": "public"}


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {
        "signup": {"ip": "3/h"},
        "login": {"ip": "6/h", "account": "3/h"},  # hours: a window rolling over mid-test resets counts
        "password_reset": {"ip": "6/h", "account": "2/h"},
        "resend_activation": {"ip": "6/h", "account": "2/h"},
        "contact": {"ip": "2/h"},
        "snippet": {"ip": "100/h", "account": "2/h"},
    }
    cache.clear()
    yield settings.RATELIMITS
    cache.clear()


def post(client, name, data, ip="192.0.2.1", **extra):
    return client.post(reverse(name), data, REMOTE_ADDR=ip, **extra)


def test_over_the_limit_a_form_answers_429_with_a_page_saying_why_and_nothing_is_saved(client, limits):
    assert [post(client, "djangobin:contact", CONTACT).status_code for _ in range(2)] == [302, 302]
    refused = post(client, "djangobin:contact", CONTACT)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests" in page and "Nothing was saved or sent" in page
    assert Feedback.objects.count() == 2


def test_limits_are_counted_per_client_address(client, limits):
    for _ in range(2):
        post(client, "djangobin:contact", CONTACT, ip="192.0.2.1")
    assert post(client, "djangobin:contact", CONTACT, ip="192.0.2.1").status_code == 429
    assert post(client, "djangobin:contact", CONTACT, ip="198.51.100.7").status_code == 302


def test_reading_a_form_is_never_limited(client, limits):
    for _ in range(5):
        post(client, "djangobin:contact", CONTACT)
    assert client.get(reverse("djangobin:contact"), REMOTE_ADDR="192.0.2.1").status_code == 200


ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


def log_in(client, login, password, ip):
    return post(client, "djangobin:login", {"username": login, "password": password}, ip=ip)


def test_wrong_passwords_from_one_address_lock_that_address_out_of_the_account_not_its_owner(client, limits):
    victim = make_user(email="victim@example.com")
    guesses = [log_in(client, "VICTIM@example.com ", "guess", ATTACKER).status_code for _ in range(4)]
    assert guesses == [200, 200, 200, 429]
    assert log_in(client, victim.email, "correct horse battery", ATTACKER).status_code == 429

    owner = log_in(client, victim.email, "correct horse battery", OWNER)

    assert owner.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_only_failed_logins_are_counted(client, limits):
    user = make_user(email="often@example.com")
    for _ in range(8):  # more than either limit (6 per address, 3 per account and address)
        assert log_in(client, user.email, "correct horse battery", OWNER).status_code == 302
        client.logout()
    assert log_in(client, user.email, "wrong", OWNER).status_code == 200


def test_an_address_guessing_at_many_accounts_is_stopped_by_the_per_address_limit(client, limits):
    statuses = [log_in(client, f"someone{n}@example.com", "guess", ATTACKER).status_code for n in range(7)]
    assert statuses == [200] * 6 + [429]
    assert log_in(client, "someone@example.com", "guess", OWNER).status_code == 200


def test_reset_requests_from_one_address_do_not_spend_the_owners_limit(client, limits):
    make_user(email="victim@example.com")
    spent = [post(client, "djangobin:password_reset", {"email": "victim@example.com"}, ip=ATTACKER) for _ in range(3)]
    assert [response.status_code for response in spent] == [302, 302, 429]

    owner = post(client, "djangobin:password_reset", {"email": "Victim@example.com"}, ip=OWNER)

    assert owner.status_code == 302
    assert owner["Location"] == reverse("djangobin:password_reset_done")


def test_signups_from_one_address_are_limited(client, limits):
    statuses = [
        post(
            client,
            "djangobin:signup",
            {
                "username": f"u{n}",
                "email": f"u{n}@example.com",
                "password1": "pw-Xy-12345!",
                "password2": "pw-Xy-12345!",
            },
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_reset_and_resend_mails_to_one_address_from_one_client_are_limited(client, limits):
    make_user(email="late@example.com", is_active=False)
    for name in ("djangobin:password_reset", "djangobin:resend_activation"):
        statuses = [post(client, name, {"email": "LATE@example.com "}).status_code for n in range(3)]
        assert statuses == [302, 302, 429], name


def test_snippet_creation_is_limited_per_signed_in_account(client, limits):
    client.force_login(make_user())
    statuses = [post(client, "djangobin:index", PASTE, ip=f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert Snippet.objects.count() == 2


def test_limits_can_be_switched_off(client, limits, settings):
    settings.RATELIMIT_ENABLE = False
    assert {post(client, "djangobin:contact", CONTACT).status_code for _ in range(4)} == {302}


def test_behind_a_proxy_the_address_the_proxy_appended_is_the_one_counted(client, limits, settings):
    settings.RATELIMIT_BEHIND_PROXY = True
    for n in range(2):  # a client forging the first X-Forwarded-For entry gains nothing
        post(client, "djangobin:contact", CONTACT, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 192.0.2.44")
    refused = post(client, "djangobin:contact", CONTACT, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.9, 192.0.2.44")
    assert refused.status_code == 429
    other = post(client, "djangobin:contact", CONTACT, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.45")
    assert other.status_code == 302


def test_a_cache_that_is_down_lets_requests_through_instead_of_failing_them(client, limits, caplog):
    from django.test import override_settings

    from tests.support.ports import free_port

    redis_down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
    with override_settings(CACHES={"default": redis_down}):
        assert post(client, "djangobin:contact", CONTACT).status_code == 302
    assert "could not be checked" in caplog.text


def test_an_activation_link_older_than_the_link_timeout_is_refused_and_a_new_one_can_be_asked_for(client, settings):
    from datetime import datetime, timedelta

    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from djangobin.tokens import ActivationTokenGenerator, activation_token

    class MadeTwoMinutesAgo(ActivationTokenGenerator):
        def _now(self):
            return datetime.now() - timedelta(minutes=2)

    settings.PASSWORD_RESET_TIMEOUT = 60  # DJANGO_LINK_TIMEOUT
    user = make_user(is_active=False)
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    stale = client.post(reverse("djangobin:activate", args=[uid, MadeTwoMinutesAgo().make_token(user)]), follow=True)
    assert stale.redirect_chain[-1][0] == reverse("djangobin:resend_activation")
    assert "invalid, used or expired" in stale.content.decode()
    user.refresh_from_db()
    assert not user.is_active

    fresh = client.post(reverse("djangobin:activate", args=[uid, activation_token.make_token(user)]))
    assert fresh.status_code == 302
    user.refresh_from_db()
    assert user.is_active


def test_the_login_page_offers_to_send_a_new_activation_link(client):
    page = client.get(reverse("djangobin:login")).content.decode()
    assert f'href="{reverse("djangobin:resend_activation")}"' in page


def test_wrong_passwords_at_the_admin_login_are_limited_like_the_sites(client, limits):
    admin = make_user(username="boss", is_staff=True)
    guesses = [
        client.post(reverse("admin:login"), {"username": "boss", "password": "guess"}, REMOTE_ADDR=ATTACKER)
        for _ in range(4)
    ]
    assert [response.status_code for response in guesses] == [200, 200, 200, 429]

    owner = client.post(
        reverse("admin:login"), {"username": "boss", "password": "correct horse battery"}, REMOTE_ADDR=OWNER
    )

    assert owner.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


# Issue 19, item 7: a higher limit per account counted across every client address.

ADDRESSES = [f"203.0.113.{n}" for n in range(1, 50)]


@pytest.fixture
def account_limits(limits):
    limits["login"] = {**limits["login"], "account_any_ip": "5/h"}
    limits["password_reset"] = {**limits["password_reset"], "account_any_ip": "4/h"}
    return limits


def test_failed_logins_from_many_addresses_against_one_account_hit_the_per_account_limit(client, account_limits):
    make_user(username="victim", email="victim@example.com")
    statuses = [log_in(client, "victim", "guess", ip).status_code for ip in ADDRESSES[:6]]

    assert statuses == [200] * 5 + [429]
    assert "too many attempts from many places" in log_in(client, "victim", "guess", ADDRESSES[6]).content.decode()


def test_a_username_and_its_email_address_share_one_allowance(client, account_limits):
    make_user(username="victim", email="victim@example.com")
    spellings = ["victim", "victim@example.com", "VICTIM@Example.com ", "Victim", "victim@example.com", "victim"]

    statuses = [log_in(client, login, "guess", ip).status_code for login, ip in zip(spellings, ADDRESSES, strict=False)]

    assert statuses == [200] * 5 + [429]


def test_a_correct_password_after_the_account_limit_is_refused_until_the_window_passes(
    client, account_limits, monkeypatch
):
    import django_ratelimit.core

    victim = make_user(username="victim", email="victim@example.com")
    for ip in ADDRESSES[:5]:
        log_in(client, "victim@example.com", "guess", ip)

    refused = log_in(client, "victim", "correct horse battery", OWNER)
    assert refused.status_code == 429
    assert "even with the right password" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    an_hour_later = django_ratelimit.core.time.time() + 3600
    monkeypatch.setattr(django_ratelimit.core.time, "time", lambda: an_hour_later)
    assert log_in(client, "victim", "correct horse battery", OWNER).status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_a_name_of_no_account_is_limited_alike_so_the_limit_tells_nothing_of_who_exists(client, account_limits):
    statuses = [log_in(client, "Ghost", "guess", ip).status_code for ip in ADDRESSES[:6]]
    assert statuses == [200] * 5 + [429]
    assert log_in(client, "ghost", "guess", ADDRESSES[6]).status_code == 429


def test_reset_requests_for_one_account_from_many_addresses_hit_the_per_account_limit(client, account_limits):
    make_user(email="victim@example.com")
    emails = ["victim@example.com", "Victim@example.com", "VICTIM@EXAMPLE.COM", "victim@example.com "] * 2
    statuses = [
        post(client, "djangobin:password_reset", {"email": email}, ip=ip).status_code
        for email, ip in zip(emails[:5], ADDRESSES, strict=False)
    ]
    assert statuses == [302] * 4 + [429]


def test_a_login_naming_no_account_with_a_nul_character_is_counted_and_never_a_500(client, account_limits):
    statuses = [log_in(client, "vic\x00tim", "guess", ip).status_code for ip in ADDRESSES[:6]]
    assert statuses == [200] * 5 + [429]
