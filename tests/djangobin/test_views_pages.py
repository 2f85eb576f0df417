"""Every page as a whole: contact, flat pages, error pages, what pages load, and users with unusual names."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from djangobin import selectors
from djangobin.management.commands.pygments_css import STYLESHEET, pygments_stylesheet
from djangobin.models import Feedback, Snippet
from tests.djangobin.helpers import csrf_token_from
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

ODD_USERNAME = "a.b@c+d-e_f"


def contact_data(**fields):
    return {
        "name": "Ann",
        "email": "ann@example.com",
        "purpose": "bug",
        "message": "The trending page is empty.",
        **fields,
    }


# Contact


def test_contact_stores_the_feedback_and_enqueues_its_mail_by_id(
    client, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("djangobin:contact"), contact_data())

    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.name, feedback.email, feedback.purpose) == ("Ann", "ann@example.com", "bug")
    [message] = queued("mail")
    assert message.actor_name == "send_feedback_mail"
    assert list(message.args) == [feedback.pk]
    assert mailoutbox == [], "the request itself sends no mail"


def test_contact_thanks_the_sender_with_a_message_on_the_next_page(client, broker):
    response = client.post(reverse("djangobin:contact"), contact_data(), follow=True)

    assert '<li class="message message-success">Thanks for your feedback' in response.content.decode()


@pytest.mark.parametrize("name", ["Ann\nBcc: victim@example.com", "Ann\rX-Header: 1", "Ann\r\nSubject: spam"])
def test_a_line_break_in_the_contact_name_is_a_form_error(client, queued, django_capture_on_commit_callbacks, name):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("djangobin:contact"), contact_data(name=name))

    assert response.status_code == 200
    assert "Line breaks are not allowed here." in response.context["form"].errors["name"]
    assert not Feedback.objects.exists()
    assert queued("mail") == []


def test_the_contact_form_offers_the_four_purposes(client):
    html = client.get(reverse("djangobin:contact")).content.decode()

    for value, label in [("feedback", "Feedback"), ("feature", "Feature Request"), ("bug", "Bug"), ("other", "Other")]:
        assert f'<option value="{value}">{label}</option>' in html


# Flat pages and error pages


@pytest.mark.parametrize(("name", "heading"), [("about", "About djangobin"), ("eula", "Terms of use")])
def test_the_flat_pages_render(client, name, heading):
    response = client.get(reverse(f"djangobin:{name}"))

    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_an_unknown_address_gets_the_sites_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert "djangobin/css/site.css" in response.content.decode()


def test_a_server_error_gets_the_sites_500_page(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "snippets_trending", broken)
    client.raise_request_exception = False

    response = client.get(reverse("djangobin:trending_snippets"))

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert "database on fire" not in response.content.decode()


def test_a_refused_csrf_check_explains_itself(csrf_client):
    response = csrf_client.post(reverse("djangobin:contact"), contact_data())

    assert response.status_code == 403
    assert "The form expired or came from elsewhere" in response.content.decode()


def test_a_form_posted_with_the_pages_csrf_token_passes_the_check(csrf_client, broker):
    token = csrf_token_from(csrf_client.get(reverse("djangobin:contact")))

    response = csrf_client.post(reverse("djangobin:contact"), contact_data(csrfmiddlewaretoken=token))

    assert response.status_code == 302


# Every page


def every_page(snippet):
    """Paths of every page a logged-in owner of `snippet` can open with GET."""
    username = snippet.user.get_username()
    return [
        "/",
        snippet.get_absolute_url(),
        "/trending/",
        "/trending/python/",
        f"/tag/{snippet.tags.get().slug}/",
        reverse("djangobin:profile", args=[username]),
        "/search/?query=hello&mysnippet=on",
        "/contact/",
        "/settings/",
        "/userdetails/",
        "/about/",
        "/eula/",
        "/password-change/",
        "/password-change/done/",
        "/no/such/page/",
    ]


def anonymous_pages(snippet):
    return [
        "/",
        snippet.get_absolute_url(),
        "/trending/",
        f"/tag/{snippet.tags.get().slug}/",
        reverse("djangobin:profile", args=[snippet.user.get_username()]),
        "/search/?query=hello",
        "/contact/",
        "/signup/",
        "/login/",
        "/activate/resend/",
        "/password-reset/",
        "/password-reset/done/",
        "/password-reset/complete/",
        "/password-reset/confirm/MQ/bad-token/",
        "/about/",
        "/eula/",
        expired_snippet_path(),
    ]


def expired_snippet_path():
    snippet = make_snippet(expiration="1 week")
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now())
    return snippet.get_absolute_url()


@pytest.fixture
def odd_user_snippet(client):
    owner = make_user(username=ODD_USERNAME, email="odd@example.com")
    snippet = make_snippet(user=owner, tags=["demo"], title="hello")
    client.force_login(owner)
    return snippet


def test_every_page_renders_for_a_logged_in_user_named_with_dot_at_plus_dash_and_underscore(client, odd_user_snippet):
    for path in every_page(odd_user_snippet):
        response = client.get(path)
        assert response.status_code == (404 if path == "/no/such/page/" else 200), path
        assert f'href="/user/{ODD_USERNAME}/"' in response.content.decode(), path


def test_every_page_renders_for_an_anonymous_visitor(client, odd_user_snippet):
    client.logout()
    pages = anonymous_pages(odd_user_snippet)

    statuses = {path: client.get(path).status_code for path in pages}

    assert statuses == {path: 410 if path == pages[-1] else 200 for path in pages}


class _Links(HTMLParser):
    """Collects every URL a page loads or links to, and any inline script or style."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data"}

    def __init__(self):
        super().__init__()
        self.urls, self.inline = [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [value for name, value in attrs.items() if name in self.URL_ATTRIBUTES and value]
        if tag == "style":
            self.inline.append("<style> element")
        if "style" in attrs:
            self.inline.append(f"style attribute on <{tag}>")
        self.inline += [f"{name} handler on <{tag}>" for name in attrs if name.startswith("on")]
        if tag == "script" and "src" not in attrs:
            self.inline.append("inline <script>")
        if any((value or "").strip().lower().startswith("javascript:") for value in attrs.values()):
            self.inline.append(f"javascript: URL on <{tag}>")


def _pages_seen_by_everyone(client, snippet):
    owner_pages = [(path, client.get(path)) for path in every_page(snippet)]
    client.logout()
    return owner_pages + [(path, client.get(path)) for path in anonymous_pages(snippet)]


def test_pages_load_and_link_nothing_from_other_hosts(client, odd_user_snippet):
    for path, response in _pages_seen_by_everyone(client, odd_user_snippet):
        parser = _Links()
        parser.feed(response.content.decode())
        foreign = [url for url in parser.urls if urlsplit(url).netloc not in ("", "testserver")]
        assert foreign == [], path
        assert parser.urls, path


def test_pages_have_no_inline_scripts_styles_or_event_handlers(client, odd_user_snippet):
    for path, response in _pages_seen_by_everyone(client, odd_user_snippet):
        parser = _Links()
        parser.feed(response.content.decode())
        assert parser.inline == [], path


def test_every_static_file_a_page_references_is_served(client, odd_user_snippet):
    html = client.get(odd_user_snippet.get_absolute_url()).content.decode()
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))

    assert len(assets) >= 4, assets  # stylesheet, Pygments stylesheet, script, icon
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_the_pygments_stylesheet_matches_the_formatter_that_highlights_snippets():
    assert STYLESHEET.read_text(encoding="utf-8") == pygments_stylesheet(), (
        "regenerate it with: python manage.py pygments_css"
    )


def test_pages_are_responsive(client):
    html = client.get("/").content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_the_header_offers_log_in_and_sign_up_to_visitors_and_the_menu_to_users(client, user):
    anonymous = client.get("/about/").content.decode().split("<main")[0]
    client.force_login(user)
    member = client.get("/about/").content.decode().split("<main")[0]

    assert 'href="/login/?next=/about/"' in anonymous and 'href="/signup/"' in anonymous
    assert 'action="/logout/"' not in anonymous
    for link in ('href="/user/ann/"', 'href="/settings/"', 'href="/userdetails/"', 'action="/logout/"'):
        assert link in member
    assert 'href="/signup/"' not in member


def test_the_admin_link_is_shown_to_staff_only(client, user):
    client.force_login(user)
    assert 'href="/admin/"' not in client.get("/about/").content.decode()

    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)

    assert 'href="/admin/"' in client.get("/about/").content.decode()
