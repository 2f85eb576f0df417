"""deploy/nginx/djangobin.conf: nginx accepts it (`nginx -t`), and in front of gunicorn it serves the static files
and keeps what djangobin says may be shared, and nothing else: a burned or private paste is never served from its
cache, a HEAD never burns, a signed-in visitor never gets the anonymous page."""

import urllib.parse
import urllib.request

import pytest

from tests.support import nginx
from tests.support.web import WebClient

pytestmark = pytest.mark.skipif(not nginx.available(), reason="Debian's nginx is not installed (make nginx)")

PASSWORD = "correct horse battery"


@pytest.mark.one_database
def test_nginx_accepts_the_site_file(tmp_path):
    server = nginx.Nginx(tmp_path / "nginx", upstream_port=8000, static_root=tmp_path)

    checked = server.check()

    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


@pytest.fixture
def site(system, tmp_path):
    """gunicorn (production's server) behind the shipped nginx site file, with its static files collected."""
    static_root = tmp_path / "static"
    system.env["DJANGO_STATIC_ROOT"] = str(static_root)
    system.manage("collectstatic", "--noinput", "-v", "0")
    web = system.start_web(server="gunicorn")
    proxy = nginx.Nginx(tmp_path / "nginx", upstream_port=int(web.base_url.rsplit(":", 1)[1]), static_root=static_root)
    proxy.start()
    yield web, proxy
    proxy.stop()


def paste(web, **fields):
    body = urllib.parse.urlencode({"content": "launch code 0000\n", **fields}).encode()
    with urllib.request.urlopen(web.base_url + "/api/v2/", data=body, timeout=30) as answer:
        assert answer.status == 201
        return answer.read().decode().strip().rstrip("/").rsplit("/", 1)[1]


def head(url):
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as answer:
        return answer.status, dict(answer.headers)


def rows(system, slug):
    return system.shell(f"from djangobin.models import Snippet; print(Snippet.objects.filter(slug={slug!r}).count())")


@pytest.mark.integration
def test_a_burned_paste_is_never_served_from_nginxs_cache_and_a_head_through_it_burns_nothing(system, site):
    web, proxy = site
    slug = paste(web, burn_after_reading="1")
    reader = WebClient(proxy.base_url)

    # When a link checker HEADs the raw text through nginx, twice
    for _ in range(2):
        status, headers = head(f"{proxy.base_url}/raw/{slug}/")
        assert status == 200 and headers["X-Cache-Status"] != "HIT"
    # Then the snippet is still there: nginx passed a HEAD, not a GET
    assert rows(system, slug) == "1", system.logs() + proxy.log()

    # When its reader reads it, and anyone asks again
    first = reader.get(f"/raw/{slug}/")
    again = WebClient(proxy.base_url).get(f"/raw/{slug}/")

    # Then the reader got the code, never stored, and everyone after them a 404, not a kept copy
    assert first.status == 200 and "launch code" in first.body
    assert "no-store" in first.headers["Cache-Control"]
    assert again.status == 404 and "launch code" not in again.body
    assert again.headers["X-Cache-Status"] != "HIT"
    assert rows(system, slug) == "0"


@pytest.mark.integration
def test_nginx_keeps_an_anonymous_list_and_public_raw_text_for_a_few_seconds(system, site):
    web, proxy = site
    slug = paste(web, title="kept by nginx", exposure="public")
    visitor = WebClient(proxy.base_url)

    pages = [visitor.get("/trending/") for _ in range(3)]
    raws = [visitor.get(f"/raw/{slug}/") for _ in range(3)]

    assert pages[0].headers["X-Cache-Status"] in ("MISS", "EXPIRED")
    assert "HIT" in [page.headers["X-Cache-Status"] for page in pages[1:]]
    assert "kept by nginx" in pages[-1].body
    assert "HIT" in [raw.headers["X-Cache-Status"] for raw in raws[1:]]
    assert raws[-1].headers["ETag"] == raws[0].headers["ETag"]


@pytest.mark.integration
def test_a_private_paste_and_signed_in_pages_never_come_from_nginxs_cache(system, site):
    _, proxy = site
    system.shell(
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('ann', 'ann@example.com', {PASSWORD!r})"
    )
    private = system.shell(
        "from django.contrib.auth import get_user_model; from djangobin.models import Language; "
        "from djangobin.services.snippets import snippet_create; "
        "print(snippet_create(code='secret plan\\n', language=Language.objects.get(lang_code='text'), "
        "expiration='never', exposure='private', user=get_user_model().objects.get(username='ann')).slug)"
    )
    anonymous = WebClient(proxy.base_url)
    assert "HIT" in [anonymous.get("/trending/").headers["X-Cache-Status"] for _ in range(3)]
    ann = WebClient(proxy.base_url)
    assert ann.post("/login/", {"username": "ann", "password": PASSWORD}).status == 302

    # The owner reads her private paste and the trending page through nginx, twice each
    owners = [ann.get(f"/raw/{private}/") for _ in range(2)]
    trending = [ann.get("/trending/") for _ in range(2)]
    stranger = anonymous.get(f"/raw/{private}/")

    assert all(raw.status == 200 and "secret plan" in raw.body for raw in owners)
    assert all(raw.headers["X-Cache-Status"] == "BYPASS" for raw in owners + trending)
    assert all(">ann<" in page.body for page in trending)  # her menu, not the anonymous page nginx keeps
    assert stranger.status == 404 and "secret plan" not in stranger.body


@pytest.mark.integration
def test_nginx_serves_the_static_files_itself_hashed_names_for_a_year(system, site):
    _, proxy = site
    page = WebClient(proxy.base_url).get("/about/")
    css = next(part.split('"')[0] for part in page.body.split('href="')[1:] if part.startswith("/static/"))

    with urllib.request.urlopen(proxy.base_url + css, timeout=30) as answer:
        assert answer.status == 200
        assert answer.headers["Cache-Control"].startswith("public, max-age=")
        assert "X-Cache-Status" not in answer.headers  # not from gunicorn through the cache: from disk
