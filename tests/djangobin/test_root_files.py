"""/favicon.ico and /robots.txt: the two files browsers and crawlers ask every site for, answered and cacheable."""

import struct
import urllib.robotparser

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_a_real_icon_that_may_be_cached(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    reserved, kind, count = struct.unpack("<HHH", response.content[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO header with at least one image
    width, height, *_, size, offset = struct.unpack("<BBBBHHII", response.content[6:22])
    assert (width, height) == (16, 16)
    assert response.content[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size <= len(response.content)


def test_robots_txt_keeps_crawlers_off_copies_of_code_the_api_and_the_dashboard_and_lets_them_see_the_rest(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "max-age=86400" in response["Cache-Control"]
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(response.content.decode().splitlines())
    for refused in ("/raw/abc/", "/download/abc/", "/api/v2/", "/api/v2/abc/", "/dashboard/", "/dashboard/tasks/"):
        assert not robots.can_fetch("AnyBot", "http://testserver" + refused), refused
    for allowed in ("/", "/abc123/", "/trending/", "/user/alice/", "/sitemap.xml", "/about/"):
        assert robots.can_fetch("AnyBot", "http://testserver" + allowed), allowed
    assert robots.site_maps() == ["http://testserver/sitemap.xml"]


def test_the_root_files_refuse_a_post(client):
    assert client.post("/robots.txt").status_code == 405
    assert client.post("/favicon.ico").status_code == 405
