"""Blank forms rendered once and kept (djangobin/form_parts.py): the paste form and the settings page's forms show
each visitor their own starting values, a form sent back is rendered with what was sent, and a new language shows
at once."""

import re

import pytest
from django.test import Client

from djangobin.models import Author, Language
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

PASTE_FIELDS = "djangobin/includes/paste_fields.html"
FORM_FIELDS = "djangobin/includes/form_fields.html"


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _selected(page, name):
    """The value the `<select name=name>` of `page` shows: its option marked selected, else its first."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    values = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select)
    assert len(values) <= 1, values
    return values[0] if values else re.search(r'<option value="([^"]*)"', select).group(1)


def _defaults(user, *, language, expiration, exposure, private=False):
    Author.objects.filter(user=user).update(
        default_language=language, default_expiration=expiration, default_exposure=exposure, private=private
    )


def _rendered(response):
    return [template.name for template in response.templates]


def test_a_blank_paste_form_is_rendered_once_then_served_as_kept(client):
    first = client.get("/")
    second = client.get("/")

    assert PASTE_FIELDS in _rendered(first)
    assert PASTE_FIELDS not in _rendered(second)
    assert 'name="original_code"' in second.content.decode()
    assert _selected(second.content.decode(), "language") == str(Language.objects.get(lang_code="text").pk)


def test_each_account_sees_its_own_paste_defaults_and_a_visitor_none_of_them():
    ann, bob = make_user(), make_user()
    rust, ruby = Language.objects.get(slug="rust"), Language.objects.get(slug="ruby")
    _defaults(ann, language=rust, expiration="1 day", exposure="private")
    _defaults(bob, language=ruby, expiration="1 week", exposure="unlisted")
    ann_client, bob_client, visitor = _signed_in(ann), _signed_in(bob), Client()

    for _ in range(2):  # the second time from what was kept
        ann_page = ann_client.get("/").content.decode()
        bob_page = bob_client.get("/").content.decode()
        visitor_page = visitor.get("/").content.decode()

        assert [_selected(ann_page, name) for name in ("language", "expiration", "exposure")] == [
            str(rust.pk),
            "1 day",
            "private",
        ]
        assert [_selected(bob_page, name) for name in ("language", "expiration", "exposure")] == [
            str(ruby.pk),
            "1 week",
            "unlisted",
        ]
        assert _selected(visitor_page, "language") == str(Language.objects.get(lang_code="text").pk)
        assert _selected(visitor_page, "exposure") == "public"
        assert '<option value="private"' not in visitor_page  # a visitor cannot paste privately
        assert '<option value="private"' in bob_page


def test_a_paste_form_sent_back_shows_what_was_sent_and_the_next_blank_one_does_not(client):
    client.get("/")  # the blank form kept

    sent = client.post("/", {"original_code": "", "title": "my own title", "language": "", "expiration": "never"})
    blank = client.get("/").content.decode()

    assert sent.status_code == 200
    assert "my own title" in sent.content.decode()
    assert "field-has-error" in sent.content.decode() or "errorlist" in sent.content.decode()
    assert "my own title" not in blank
    assert "errorlist" not in blank


def test_a_fork_shows_its_source_and_the_next_blank_form_does_not(client):
    source = make_snippet(code="print('the source of a fork')\n", title="a source")
    client.get("/")

    fork = client.get(f"/fork/{source.slug}/").content.decode()
    blank = client.get("/").content.decode()

    assert "the source of a fork" in fork
    assert "the source of a fork" not in blank
    assert f'value="{source.slug}"' in fork
    assert f'value="{source.slug}"' not in blank  # the hidden field that links a paste to its source


def test_a_new_language_shows_in_the_kept_paste_form_at_once(client, django_capture_on_commit_callbacks):
    client.get("/")

    with django_capture_on_commit_callbacks(execute=True):
        Language.objects.create(name="Zyzzy Lang", lang_code="zyzzy", slug="zyzzy", mime="text/plain")

    assert "Zyzzy Lang" in client.get("/").content.decode()


def test_each_account_sees_its_own_settings_and_a_save_shows_at_once():
    ann, bob = make_user(), make_user()
    rust = Language.objects.get(slug="rust")
    _defaults(ann, language=rust, expiration="1 month", exposure="unlisted", private=True)
    ann_client, bob_client = _signed_in(ann), _signed_in(bob)

    for _ in range(2):
        ann_page = ann_client.get("/settings/").content.decode()
        bob_page = bob_client.get("/settings/").content.decode()
        assert _selected(ann_page, "default_language") == str(rust.pk)
        assert _selected(ann_page, "default_expiration") == "1 month"
        assert re.search(r'<input type="checkbox" name="private"[^>]*checked', ann_page)
        assert _selected(bob_page, "default_language") == ""
        assert _selected(bob_page, "default_expiration") == "never"
        assert not re.search(r'<input type="checkbox" name="private"[^>]*checked', bob_page)

    bob_client.post("/settings/", {"default_expiration": "1 hour", "default_exposure": "public"})

    assert _selected(bob_client.get("/settings/").content.decode(), "default_expiration") == "1 hour"


def test_the_settings_page_keeps_its_blank_forms_and_renders_a_refused_one(client):
    client.force_login(make_user())
    client.get("/settings/")

    kept = client.get("/settings/")
    refused = client.post("/settings/", {"default_expiration": "forever", "default_exposure": "public"})

    assert FORM_FIELDS not in _rendered(kept)
    assert FORM_FIELDS in _rendered(refused)
    assert "forever" in refused.content.decode()
