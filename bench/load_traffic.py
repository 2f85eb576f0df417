"""The traffic of bench/load.py: an open-loop mix of page views, pastes, contact forms and sign-ups over HTTP, the
mails they ask for, and the arithmetic of their latencies."""

import http.client
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
MIX = (("view", 60), ("paste", 20), ("contact", 12), ("signup", 8))  # percent of requests
PASSWORD = "a-long-and-fine-password-42"  # noqa: S105 (scratch accounts)


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
        self.slugs = []

    def request(self, method, path, data=None):
        connection = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
        headers = {"Cookie": f"csrftoken={self.cookie}", "Referer": f"http://{self.host}:{self.port}/"}
        body = None
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("Location", "")
        finally:
            connection.close()

    def do(self, kind, n):
        """One request of `kind`; (status, mail key or None)."""
        if kind == "view":
            path = f"/{self.slugs[n % len(self.slugs)]}/" if self.slugs and n % 2 else "/"
            return self.request("GET", path)[0], None
        if kind == "paste":
            data = {
                "original_code": f"print({n})\n" * 20,
                "language": self.language,
                "expiration": "1 week",
                "exposure": "public",
                "title": f"load {n}",
            }
            status, location = self.request("POST", "/", data)
            if status == 302 and len(self.slugs) < 200:
                self.slugs.append(location.rstrip("/").rsplit("/", 1)[-1])
            return status, None
        if kind == "contact":
            key = f"load-{n}"
            data = {"name": "Load", "email": "load@example.com", "purpose": "bug", "message": f"{key} says hello"}
            return self.request("POST", "/contact/", data)[0], key
        key = f"load{n}@example.com"
        data = {"username": f"load{n}", "email": key, "password1": PASSWORD, "password2": PASSWORD}
        return self.request("POST", "/signup/", data)[0], key


def kinds(count, offset):
    """A deterministic interleaving of MIX over `count` requests."""
    wheel = [kind for kind, weight in MIX for _ in range(weight)]
    stride = 37  # coprime with 100: spreads each kind over the wheel
    return [wheel[(offset + i) * stride % len(wheel)] for i in range(count)]


def run_rate(site, rate, seconds, counter):
    """Send `rate` requests a second for `seconds`, open loop; latencies run from each request's planned start."""
    results = defaultdict(list)  # kind -> [(latency, status)]
    posted = []  # (mail key, planned start)
    lock = threading.Lock()
    in_flight = threading.Semaphore(MAX_IN_FLIGHT)
    total = int(rate * seconds)
    plan = kinds(total, counter)

    def one(kind, n, planned):
        try:
            status, key = site.do(kind, n)
        except OSError:
            status, key = 0, None
        finally:
            in_flight.release()
        with lock:
            results[kind].append((time.monotonic() - planned, status))
            if key and status in (200, 302):
                posted.append((key, planned))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT) as pool:
        for i, kind in enumerate(plan):
            planned = started + i / rate
            time.sleep(max(0.0, planned - time.monotonic()))
            if not in_flight.acquire(blocking=False):
                with lock:
                    results[kind].append((float("inf"), "overload"))
                continue
            pool.submit(one, kind, counter + i, planned)
    elapsed = time.monotonic() - started
    return results, posted, total / elapsed


def summarize(results):
    rows = {}
    for kind, samples in sorted(results.items()):
        latencies = [latency for latency, _ in samples]
        errors = sum(1 for _, status in samples if status not in (200, 302))
        rows[kind] = {
            "n": len(samples),
            **percentiles(latencies),
            "errors": errors,
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
