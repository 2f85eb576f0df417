"""The traffic of bench/load.py: open-loop mixes of page views, pastes, contact forms, sign-ups and logins over
HTTP, the mails they ask for, and the arithmetic of their latencies."""

import heapq
import http.client
import math
import re
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from bench.common import percentiles
from tests.support.smtp import RecordingHandler
from tests.support.web import WebClient

# An open-loop run never has more than this many requests in flight; one more counts as an error ("overload").
MAX_IN_FLIGHT = 64
# Percent of requests. "pastebin" is shaped like a pastebin's traffic (most visits read); "write-heavy" is the mix
# the bench used before, kept so its figures can be compared.
MIXES = {
    "pastebin": (
        ("home", 20),
        ("snippet", 30),
        ("raw", 15),
        ("trending", 8),
        ("trending_language", 5),
        ("tag", 7),
        ("paste_form", 6),
        ("paste_api", 4),
        ("contact", 3),
        ("signup", 1),
        ("login", 1),
    ),
    "write-heavy": (("home", 30), ("snippet", 30), ("paste_form", 20), ("contact", 12), ("signup", 8)),
}
VIEWS = ("home", "snippet", "raw", "trending", "trending_language", "tag")
PASSWORDS = ("signup", "login")  # each hashes a password with the production hasher (PBKDF2)
MAILING = ("contact", "signup")
# What a request of each kind answers when it did its work; anything else is an error.
EXPECTED = {"paste_form": 302, "paste_api": 201, "contact": 302, "signup": 200, "login": 302}
BUSY = 503  # a password form that found its process's hash queue full (djangobin/hashers.py): refused, not failed
PASSWORD = "a-long-and-fine-password-42"  # noqa: S105 (scratch accounts)
LOGIN_ACCOUNTS = 20
TAG = "loadtag"


def mix_shares(mix):
    """{kind: fraction of requests} of `mix`."""
    total = sum(weight for _, weight in mix)
    return {kind: weight / total for kind, weight in mix}


class TimedHandler(RecordingHandler):
    """Records when each accepted mail arrived, beside the message itself."""

    def __init__(self):
        super().__init__()
        self.arrivals = []

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            self.arrivals.append(time.monotonic())  # no await since the message was appended: same index
        return reply


def mail_key(record):
    recipients, message = record
    found = re.search(r"load-\d+", message.get_content())
    return found.group() if found else recipients[0]


class Site:
    """Stateless HTTP requests that carry one CSRF cookie and its form token, as a browser tab would."""

    def __init__(self, base_url):
        self.host, self.port = base_url.removeprefix("http://").split(":")
        client = WebClient(base_url)
        page = client.get("/contact/").body
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.cookie = next(c.value for c in client.cookies if c.name == "csrftoken")
        index = client.get("/").body
        self.language = re.search(r'<option value="(\d+)" selected', index).group(1)
        self.language_slug = None
        self.slugs = []

    def warm_up(self, pastes):
        """Paste `pastes` snippets to view (tagged, so the tag page lists them) and learn their language's list."""
        for n in range(pastes):
            self.do("paste_form", n)
        trending = WebClient(f"http://{self.host}:{self.port}").get("/trending/").body
        self.language_slug = re.search(r'href="/trending/([^/"]+)/"', trending).group(1)

    def request(self, method, path, data=None, csrf=True):
        connection = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
        headers = {"Cookie": f"csrftoken={self.cookie}", "Referer": f"http://{self.host}:{self.port}/"}
        body = None
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.token} if csrf else data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Location", ""), response.read()
        finally:
            connection.close()

    def _slug(self, n):
        return self.slugs[n % len(self.slugs)]

    def do(self, kind, n):
        """One request of `kind`; (status, mail key or None). A sign-up sent back with form errors is status 0."""
        if kind in VIEWS:
            path = {
                "home": "/",
                "snippet": f"/{self._slug(n)}/",
                "raw": f"/raw/{self._slug(n)}/",
                "trending": "/trending/",
                "trending_language": f"/trending/{self.language_slug}/",
                "tag": f"/tag/{TAG}/",
            }[kind]
            return self.request("GET", path)[0], None
        if kind == "paste_form":
            data = {
                "original_code": f"print({n})\n" * 20,
                "language": self.language,
                "expiration": "1 week",
                "exposure": "public",
                "title": f"load {n}",
                "tags": f"{TAG}, bench",
            }
            status, location, _ = self.request("POST", "/", data)
            if status == 302 and len(self.slugs) < 200:
                self.slugs.append(location.rstrip("/").rsplit("/", 1)[-1])
            return status, None
        if kind == "paste_api":
            data = {"content": f"print({n})\n" * 20, "syntax": "python", "expiry_days": "7", "title": f"api {n}"}
            return self.request("POST", "/api/v2/", data, csrf=False)[0], None
        if kind == "contact":
            key = f"load-{n}"
            data = {"name": "Load", "email": "load@example.com", "purpose": "bug", "message": f"{key} says hello"}
            return self.request("POST", "/contact/", data)[0], key
        if kind == "login":
            data = {"username": f"loaduser{n % LOGIN_ACCOUNTS}", "password": PASSWORD}
            return self.request("POST", "/login/", data)[0], None
        key = f"load{n}@example.com"
        data = {"username": f"load{n}", "email": key, "password1": PASSWORD, "password2": PASSWORD}
        status, _, body = self.request("POST", "/signup/", data)
        return (0 if status == 200 and b"Check your mail" not in body else status), key


def login_accounts_code():
    """Python for `manage.py shell`: the active accounts the logins use, hashed once (one hash for all)."""
    return (
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.hashers import make_password\n"
        f"hashed = make_password({PASSWORD!r})\n"
        f"for i in range({LOGIN_ACCOUNTS}):\n"
        "    get_user_model()(username=f'loaduser{i}', email=f'loaduser{i}@example.com', is_active=True,"
        " password=hashed).save()\n"
    )


def kinds(mix, count, offset):
    """A deterministic interleaving of `mix` over `count` requests: each kind spread evenly over the wheel."""
    wheel = [kind for kind, weight in mix for _ in range(weight)]
    stride = next(s for s in range(37, 37 + len(wheel)) if math.gcd(s, len(wheel)) == 1)
    return [wheel[(offset + i) * stride % len(wheel)] for i in range(count)]


def schedule(mix, rate, seconds, offset):
    """[(start in seconds, kind)] of `rate` requests a second of `mix` for `seconds`."""
    return [(i / rate, kind) for i, kind in enumerate(kinds(mix, int(rate * seconds), offset))]


def merged(*schedules):
    """Several schedules as one, in start order (a burst of sign-ups over a stream of views)."""
    return list(heapq.merge(*schedules))


def run_schedule(site, plan, counter):
    """Send the requests of `plan` at their planned times, open loop; latencies run from each planned start.

    Returns (results: {kind: [(latency, "ok", "busy" or "error")]}, posted: [(mail key, planned start)], requests a
    second done)."""
    results = defaultdict(list)
    posted = []
    lock = threading.Lock()
    in_flight = threading.Semaphore(MAX_IN_FLIGHT)

    def one(kind, n, planned):
        try:
            status, key = site.do(kind, n)
        except OSError:
            status, key = None, None
        finally:
            in_flight.release()
        outcome = "ok" if status == EXPECTED.get(kind, 200) else "busy" if status == BUSY else "error"
        with lock:
            results[kind].append((time.monotonic() - planned, outcome))
            if key and outcome == "ok":
                posted.append((key, planned))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT) as pool:
        for i, (offset, kind) in enumerate(plan):
            planned = started + offset
            time.sleep(max(0.0, planned - time.monotonic()))
            if not in_flight.acquire(blocking=False):
                with lock:
                    results[kind].append((float("inf"), "error"))  # overload: more than MAX_IN_FLIGHT waiting
                continue
            pool.submit(one, kind, counter + i, planned)
    elapsed = time.monotonic() - started
    return results, posted, len(plan) / elapsed if elapsed > 0 else 0.0


def summarize(results, pooled=()):
    """{kind: {"n", "p50", "p95", "p99", "errors", "busy"}}, and a row "views" for the kinds `pooled` together."""
    groups = dict(sorted(results.items()))
    together = [sample for kind in pooled for sample in results.get(kind, [])]
    if together:
        groups["views"] = together
    rows = {}
    for kind, samples in groups.items():
        rows[kind] = {
            "n": len(samples),
            **percentiles([latency for latency, _ in samples]),
            "errors": sum(1 for _, outcome in samples if outcome == "error"),
            "busy": sum(1 for _, outcome in samples if outcome == "busy"),
        }
    return rows


def mail_delays(handler, posted):
    """POST-to-mail delays of the mails `posted` asked for that arrived, and the mails per second they came at."""
    first_arrival = {}
    for record, arrived in zip(list(handler.messages), list(handler.arrivals), strict=False):
        first_arrival.setdefault(mail_key(record), arrived)
    delays = [first_arrival[key] - planned for key, planned in posted if key in first_arrival]
    if not posted or not delays:
        return [], 0.0
    span = max(first_arrival[key] for key, _ in posted if key in first_arrival) - min(p for _, p in posted)
    return delays, len(delays) / span if span > 0 else 0.0
