"""Burn after reading on gunicorn: robots that HEAD or GET the link burn nothing, and of many simultaneous readers
(raw GETs and the page's "Show and delete" POSTs) exactly one sees the snippet."""

import re
import threading
import urllib.parse
import urllib.request

import pytest

from tests.support.web import WebClient

pytestmark = pytest.mark.integration

READERS = 8
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def paste_burn_after_reading(web):
    body = urllib.parse.urlencode({"content": "launch code 0000\n", "burn_after_reading": "1"}).encode()
    with urllib.request.urlopen(web.base_url + "/api/v2/", data=body, timeout=30) as answer:
        assert answer.status == 201
        return answer.read().decode().strip().rstrip("/").rsplit("/", 1)[1]


def rows(system, slug):
    return system.shell(f"from djangobin.models import Snippet; print(Snippet.objects.filter(slug={slug!r}).count())")


def test_link_checkers_and_unfurlers_that_head_or_get_the_link_leave_the_snippet_for_its_reader(system):
    web = system.start_web(server="gunicorn")
    slug = paste_burn_after_reading(web)

    # When a link checker sends HEADs and a chat unfurler GETs the page
    for path in (f"/{slug}/", f"/raw/{slug}/", f"/download/{slug}/"):
        request = urllib.request.Request(web.base_url + path, method="HEAD")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200 and answer.read() == b""
    unfurled = WebClient(web.base_url).get(f"/{slug}/")

    # Then none of them saw the code, and the snippet is still there for its reader
    assert unfurled.status == 200 and "Show and delete" in unfurled.body and "launch code" not in unfurled.body
    assert rows(system, slug) == "1", system.logs()
    assert "launch code" in WebClient(web.base_url).get(f"/raw/{slug}/").body
    assert rows(system, slug) == "0"


def test_of_simultaneous_first_views_exactly_one_gets_the_snippet_and_it_is_gone_from_the_database(system):
    web = system.start_web(server="gunicorn")
    slug = paste_burn_after_reading(web)

    # When several readers, each with a browser of their own, open it at the same moment: half of them the raw
    # text, half the page, where each has already been asked to confirm and clicks "Show and delete"
    start, results = threading.Barrier(READERS), []

    def read(n):
        client = WebClient(web.base_url)
        if n % 2:
            start.wait()
            response = client.get(f"/raw/{slug}/")
        else:
            token = CSRF_INPUT.search(client.get(f"/{slug}/").body).group(1)
            start.wait()
            response = client.submit(f"/{slug}/", {"csrfmiddlewaretoken": token})
        results.append((response.status, "launch code" in response.body))

    threads = [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then exactly one of them saw it, the others found nothing, and the row is gone
    assert sorted(results) == [(200, True)] + [(404, False)] * (READERS - 1), system.logs()
    assert rows(system, slug) == "0"
