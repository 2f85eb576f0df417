"""Personal API tokens on the settings page: made (shown once, stored as a hash) and revoked."""

import hashlib
import re

import pytest

from djangobin.models import ApiToken
from djangobin.services.api_tokens import api_token_create, api_token_user
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'<code class="token" id="new-token">(dbin_[A-Za-z0-9_-]+)</code>')


def test_making_a_token_shows_it_once_and_stores_only_its_hash(ann, user):
    response = ann.post("/settings/tokens/", {"name": "laptop"})
    raw = TOKEN.search(response.content.decode()).group(1)
    assert response["Cache-Control"] == "no-store"
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name) == (user, "laptop")
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(ApiToken.objects.values()))
    assert raw not in ann.get("/settings/").content.decode()
    assert api_token_user(raw=raw) == user


def test_the_settings_page_lists_tokens_by_name_and_prefix(ann, user):
    token, raw = api_token_create(user=user, name="editor plugin")
    page = ann.get("/settings/").content.decode()
    assert "editor plugin" in page
    assert token.prefix in page
    assert raw not in page


def test_a_token_needs_a_name(ann):
    response = ann.post("/settings/tokens/", {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_working(ann, user):
    token, raw = api_token_create(user=user, name="old")
    response = ann.post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert api_token_user(raw=raw) is None


def test_nobody_can_revoke_someone_elses_token(ann):
    token, raw = api_token_create(user=make_user(), name="theirs")
    ann.post(f"/settings/tokens/{token.pk}/revoke/")
    assert api_token_user(raw=raw) is not None


def test_making_and_revoking_tokens_need_a_login_and_csrf(csrf_client, client, user):
    token, _ = api_token_create(user=user, name="x")
    assert client.post("/settings/tokens/", {"name": "y"}).status_code == 302  # to the login page
    csrf_client.force_login(user)
    assert csrf_client.post("/settings/tokens/", {"name": "y"}).status_code == 403
    assert csrf_client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1
