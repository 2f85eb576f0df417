"""The site's mail end to end: HTTP to a real web server, a real `rundramatiq` worker, RabbitMQ and aiosmtpd."""

import re

import pytest

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-fine-password-42"
NEW_PASSWORD = "another-long-fine-password-77"


def link_in(message, base_url, path):
    """The one link to `base_url` + `path`… in a mail's body."""
    [link] = re.findall(rf"{re.escape(base_url + path)}\S+", message.get_content())
    return link


def log_in(client, email, password):
    """POST the login form; True when the session is logged in (a login-only page then answers 200)."""
    client.post("/login/", {"username": email, "password": password})
    return client.get("/userdetails/").status == 200


def test_sign_up_activate_log_in_then_reset_the_password_over_http(system, smtp_server):
    web, worker = system.start_web(), system.start_worker()
    client = system.client(web)
    # Given a new account signed up over HTTP
    signup = client.post(
        "/signup/", {"username": "ann.o+1", "email": "ann@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signup.status == 200
    assert not log_in(client, "ann@example.com", PASSWORD), "an account logs in before it is activated"
    # When the worker mails the activation link (built from the validated host) and it is followed
    [(recipients, activation)] = smtp_server.wait_for(1)
    assert recipients == ["ann@example.com"]
    # (the link opens a page whose button activates: the client GETs it for its CSRF token, then POSTs)
    response = client.post(link_in(activation, web.base_url, "/activate/"), {})
    assert response.status == 302 and response.location.endswith("/login/")
    # Then the account logs in, by email address or by username
    assert log_in(client, "ann@example.com", PASSWORD)
    assert log_in(system.client(web), "ann.o+1", PASSWORD)

    # Given someone else signs up with the same address: the page answers as for a new sign-up
    again = system.client(web).post(
        "/signup/", {"username": "not.ann", "email": "ANN@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert again.status == 200 and "Check your mail" in again.body
    # Then the owner is mailed about it, with the way to log in or reset the password
    [(recipients, attempt)] = smtp_server.wait_for(
        1, predicate=lambda record: "tried to sign up" in record[1]["Subject"]
    )
    assert recipients == ["ann@example.com"]
    assert f"{web.base_url}/password-reset/" in attempt.get_content()

    # Given the same user, logged out, asks for a password reset
    client = system.client(web)
    response = client.post("/password-reset/", {"email": "ann@example.com"})
    assert response.status == 302 and response.location.endswith("/password-reset/done/")
    # When the worker mails the reset link and the user follows it and sets a new password
    [(recipients, reset)] = smtp_server.wait_for(
        1, predicate=lambda record: "password-reset/confirm" in record[1].get_content()
    )
    assert recipients == ["ann@example.com"]
    form = client.get(link_in(reset, web.base_url, "/password-reset/confirm/"))
    assert form.status == 302  # Django moves the token into the session, then shows the form
    response = client.post(form.location, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status == 302 and response.location.endswith("/password-reset/complete/")
    # Then the new password logs in and the old one no longer does
    assert not log_in(system.client(web), "ann@example.com", PASSWORD)
    assert log_in(system.client(web), "ann@example.com", NEW_PASSWORD)
    assert "Failed to process message" not in worker.log()


def test_the_contact_form_mails_the_admins_with_a_reply_to_the_sender(system, smtp_server):
    web, _ = system.start_web(), system.start_worker()
    response = system.client(web).post(
        "/contact/",
        {
            "name": "Bob Sender",
            "email": "bob@example.org",
            "purpose": "feedback",
            "message": "Lovely pastebin.\nThanks!",
        },
    )
    assert response.status == 302
    [(recipients, message)] = smtp_server.wait_for(1)
    assert recipients == ["admin@example.com"]
    assert message["Reply-To"] == "bob@example.org"
    assert "Bob Sender" in message["Subject"]
    assert "Lovely pastebin.\nThanks!" in "\n".join(message.get_content().splitlines())


def test_signup_and_contact_posts_return_while_the_mail_server_is_still_stalling(make_system, smtp_server):
    # Given a mail server that holds every message for 30 s, and a worker that would wait for it (no timeout)
    system = make_system(env={"EMAIL_TIMEOUT": "60"})
    web, _ = system.start_web(), system.start_worker(threads=2)
    smtp_server.handler.stall_seconds = 30
    client = system.client(web)
    # When someone signs up, the request returns before the mail server has answered
    signup = client.post(
        "/signup/", {"username": "cy", "email": "cy@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signup.status == 200
    assert smtp_server.handler.finished == 0
    # And once the worker is stuck in the stalled SMTP conversation, a contact POST still returns at once
    smtp_server.wait_until(lambda: smtp_server.handler.stalling == 1, what="the activation mail reaching SMTP")
    contact = client.post(
        "/contact/", {"name": "Cy", "email": "cy@example.com", "purpose": "bug", "message": "Sent during a stall."}
    )
    assert contact.status == 302
    assert smtp_server.handler.finished == 0 and smtp_server.handler.stalling >= 1
    # Then, when the server stops stalling, both mails arrive
    smtp_server.handler.release()
    assert len(smtp_server.wait_for(2)) == 2


SQUATTER_PASSWORD = "the-squatters-own-password-13"


def addressed_to(username):
    """A predicate on smtp_server records: the mail greets `username`."""
    return lambda record: record[1].get_content().startswith(f"Hello {username}")


def test_an_address_someone_signed_up_with_and_never_activated_goes_to_its_owner_over_http(system, smtp_server):
    web, worker = system.start_web(), system.start_worker()
    # Given someone signed up with ann's address and a password of their own, and never activated
    squat = system.client(web).post(
        "/signup/",
        {
            "username": "squatter",
            "email": "ann@example.com",
            "password1": SQUATTER_PASSWORD,
            "password2": SQUATTER_PASSWORD,
        },
    )
    assert squat.status == 200
    [(_, squat_mail)] = smtp_server.wait_for(1, predicate=addressed_to("squatter"))
    # When ann signs up with her address, her username and her password
    client = system.client(web)
    signup = client.post(
        "/signup/", {"username": "ann", "email": "ann@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signup.status == 200
    # Then the worker mails ann an activation link for her account, and she activates it
    [(recipients, activation)] = smtp_server.wait_for(1, predicate=addressed_to("ann"))
    assert recipients == ["ann@example.com"]
    response = client.post(link_in(activation, web.base_url, "/activate/"), {})
    assert response.status == 302 and response.location.endswith("/login/")
    # And she logs in with her password, while the squatter's password and activation link do nothing
    assert log_in(system.client(web), "ann@example.com", PASSWORD)
    assert log_in(system.client(web), "ann", PASSWORD)
    assert not log_in(system.client(web), "ann@example.com", SQUATTER_PASSWORD)
    assert not log_in(system.client(web), "squatter", SQUATTER_PASSWORD)
    dead = system.client(web).get(link_in(squat_mail, web.base_url, "/activate/"))
    assert dead.status == 302 and dead.location.endswith("/activate/resend/")
    # And nobody was mailed that "someone tried to sign up"
    assert not smtp_server.wait_for(1, timeout=0, predicate=lambda record: "tried to sign up" in record[1]["Subject"])
    assert "Failed to process message" not in worker.log()


def test_a_password_reset_for_an_unknown_address_answers_as_for_a_known_one_and_mails_nobody(system, smtp_server):
    web, worker = system.start_web(), system.start_worker()
    client = system.client(web)
    # Given an active account (signed up, activated)
    client.post(
        "/signup/", {"username": "ann", "email": "ann@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    [(_, activation)] = smtp_server.wait_for(1)
    client.post(link_in(activation, web.base_url, "/activate/"), {})
    # When a reset is asked for an unknown address, then for the account's
    unknown = system.client(web).post("/password-reset/", {"email": "nobody@example.com"})
    known = system.client(web).post("/password-reset/", {"email": "ann@example.com"})
    # Then both answer alike, and the one reset mail goes to the account's address
    assert unknown.status == known.status == 302 and unknown.location == known.location
    [(recipients, _)] = smtp_server.wait_for(1, predicate=lambda record: "password-reset/confirm" in body(record))
    assert recipients == ["ann@example.com"]
    worker.wait_for_log("No reset mail: no active account")  # the worker looked the unknown address up
    assert len(smtp_server.messages) == 2
    assert "Failed to process message" not in worker.log()


def body(record):
    return record[1].get_content()
