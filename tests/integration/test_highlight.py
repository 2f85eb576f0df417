"""Issue 9, point 4: hostile pastes end to end, through gunicorn, RabbitMQ and a real worker.

Pygments' Perl lexer is quadratic on `m{` repeated (48 KiB ran for minutes): the request must not wait for it,
the site must keep answering, and the worker's time limit must end each render as plain text with its note.
"""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timed, pytest.mark.one_database]

TIME_LIMIT_MS = 2000
PERL_BOMB = "m{" * (24 * 1024)  # 48 KiB
LARGEST = 512 * 1024  # SNIPPET_MAX_BYTES
TIMED_OUT = "Shown as plain text: highlighting took longer than 2 s."
# Issue 9's bound for each POST and page; a POST that lexed these pastes would take minutes. Each costs the web
# process under 0.1 s of CPU (the form is multipart, so 512 KiB of symbols arrives unescaped), which leaves room
# for a shared machine's stalls.
EACH = 1.0
TOO_BIG = "Shown as plain text: highlighting stops at 256 KiB of code."


def perl_id(system):
    return system.shell("from djangobin.models import Language; print(Language.objects.get(lang_code='perl').pk)")


def post_paste(client, code, language, slow=True):
    """POST a paste as a browser does; returns (seconds the POST took, slug), checking that it answered while its
    render was still to come when `slow` (whatever the machine's speed, it did not wait for Pygments)."""
    token = client.get("/").body.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    data = {"original_code": code, "language": language, "expiration": "never", "exposure": "public"}
    started = time.monotonic()
    response = client.submit("/", {**data, "csrfmiddlewaretoken": token}, multipart=True)  # as the form's enctype says
    seconds = time.monotonic() - started
    assert response.status == 302, response.body[-2000:]
    slug = response.location.strip("/").rsplit("/", 1)[-1]
    if slow:
        render = json.loads(client.get(f"/render/{slug}/").body)
        assert render["state"] == "pending" or render["note"] == TOO_BIG, render
    return seconds, slug


def final_render(client, slug, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        render = json.loads(client.get(f"/render/{slug}/").body)
        if render["state"] != "pending":
            return render
        time.sleep(0.25)
    raise TimeoutError(f"the render of {slug} was still pending after {timeout} s")


class Prober(threading.Thread):
    """GETs a few pages in a loop and keeps (status, seconds) of each, while the worker chews."""

    def __init__(self, client, paths):
        super().__init__(daemon=True)
        self.client, self.paths, self.answers, self.done = client, paths, [], threading.Event()

    def run(self):
        while not self.done.is_set():
            for path in self.paths:
                started = time.monotonic()
                status = self.client.get(path, timeout=30).status
                self.answers.append((path, status, time.monotonic() - started))
            self.done.wait(0.2)

    def stop(self):
        self.done.set()
        self.join()
        return self.answers


def test_concurrent_perl_bombs_and_the_largest_paste_return_at_once_and_end_plain_with_their_note(make_system):
    # Given the production web server (gunicorn, 2 workers), a worker with 2 threads and a 2 s highlight limit
    system = make_system(env={"HIGHLIGHT_TIME_LIMIT_MS": str(TIME_LIMIT_MS)}, smtp=False)
    perl = perl_id(system)
    web = system.start_web(server="gunicorn")
    system.start_worker(threads=2)
    client = system.client(web)
    _, small = post_paste(client, "print 1;\n", perl, slow=False)
    prober = Prober(system.client(web), ["/about/", f"/{small}/", "/trending/"])
    prober.start()

    # When four 48 KiB Perl bombs and one paste of the largest allowed size are posted at once
    codes = [PERL_BOMB] * 4 + ["m{" * (LARGEST // 2)]
    with ThreadPoolExecutor(max_workers=len(codes)) as pool:
        posted = list(pool.map(lambda code: post_paste(system.client(web), code, perl), codes))
    renders = [final_render(client, slug) for _, slug in posted]
    answers = prober.stop()

    # Then each POST returned at once, and every other page kept answering meanwhile
    assert all(seconds < EACH for seconds, _ in posted), posted
    assert answers and all(status == 200 and seconds < EACH for _, status, seconds in answers), answers
    # And each bomb ended plain with its note, as did the largest paste (over the highlight limit: never lexed)
    assert [(r["state"], r["note"]) for r in renders] == [("plain", TIMED_OUT)] * 4 + [("plain", TOO_BIG)]
    page = client.get(f"/{posted[0][1]}/").body
    assert TIMED_OUT in page and "m{m{m{" in page
    assert json.loads(client.get(f"/render/{small}/").body)["state"] == "highlighted"


def test_the_largest_paste_let_through_to_the_lexer_is_stopped_by_the_time_limit_and_frees_the_thread(make_system):
    # Given a highlight size limit as large as the paste limit, and a worker of one thread
    env = {"HIGHLIGHT_TIME_LIMIT_MS": str(TIME_LIMIT_MS), "HIGHLIGHT_MAX_BYTES": str(LARGEST)}
    system = make_system(env=env, smtp=False)
    perl = perl_id(system)
    web = system.start_web()
    system.start_worker(threads=1)
    client = system.client(web)

    # When a 512 KiB Perl bomb is posted, then a small paste behind it on the same thread
    seconds, bomb = post_paste(client, "m{" * (LARGEST // 2), perl)
    _, small = post_paste(client, "print 1;\n", perl)

    # Then the POST returned at once, the bomb ends plain by the time limit, and the thread renders the next paste
    assert seconds < EACH
    assert final_render(client, bomb) == {"state": "plain", "note": TIMED_OUT, "language": "Perl"}
    assert final_render(client, small, timeout=10)["state"] == "highlighted"
