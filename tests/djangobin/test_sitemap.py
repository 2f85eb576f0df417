"""/sitemap.xml lists public, live snippets and the site's pages, and nothing else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from djangobin.models import Exposure, Snippet
from tests.factories import make_snippet

pytestmark = pytest.mark.django_db


def sitemap(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return response.content.decode()


def test_the_sitemap_lists_public_live_snippets_only(client, user):
    public = make_snippet(user=user)
    unlisted = make_snippet(exposure=Exposure.UNLISTED, user=user)
    private = make_snippet(exposure=Exposure.PRIVATE, user=user)
    expired = make_snippet(expiration="1 week")
    Snippet.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    xml = sitemap(client)

    assert f"<loc>http://testserver{public.get_absolute_url()}</loc>" in xml
    for hidden in (unlisted, private, expired):
        assert hidden.slug not in xml


def test_the_sitemap_gives_each_snippets_creation_date(client):
    snippet = make_snippet()

    assert f"<lastmod>{snippet.created_on.date().isoformat()}</lastmod>" in sitemap(client)


def test_the_sitemap_lists_the_sites_pages(client):
    xml = sitemap(client)

    for path in ("/", "/trending/", "/about/", "/eula/"):
        assert f"<loc>http://testserver{path}</loc>" in xml


def test_the_sitemap_of_an_empty_site_still_answers(client):
    assert "<urlset" in sitemap(client)
