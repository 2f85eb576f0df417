"""The README's load-balancer health check, run as written with curl against a real web server, worker and scheduler."""

import json
import os
import subprocess
import time

import pytest

from tests.dashboard.test_readme_machines import health_check_argv

pytestmark = pytest.mark.integration

TOKEN = "health-probe-token-0123456789"
PARTS_UP_WITHIN = 90.0  # seconds: a worker's and the scheduler's first heartbeats, on a busy machine


def readme_curl(base_url):
    """The README's command as a shell would run it, its example host swapped for the test server's (plain HTTP)."""
    argv = [arg.replace("https://paste.example.com", base_url) for arg in health_check_argv()]
    argv = [arg.replace("$DASHBOARD_API_TOKEN", TOKEN) for arg in argv]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=60, check=False, env={"PATH": os.environ["PATH"]}
    )


def test_the_readmes_health_check_passes_with_the_token_and_a_probe_without_it_gets_401_in_json(make_system):
    # Given a web server, a worker and the scheduler, with an API token set
    system = make_system(env={"DASHBOARD_API_TOKEN": TOKEN})
    web = system.start_web()
    system.start_worker()
    system.start("scheduler", "runscheduler")
    # When the README's curl (with --fail) asks until every part has sent its first heartbeat
    deadline = time.monotonic() + PARTS_UP_WITHIN
    result = readme_curl(web.base_url)
    while result.returncode != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        result = readme_curl(web.base_url)
    # Then it succeeds, with every check ok
    assert result.returncode == 0, (result.stdout, result.stderr, system.logs())
    assert json.loads(result.stdout)["status"] == "ok"
    # And a probe without the token gets a 401 naming the scheme, with a JSON body, and no redirect
    bare = subprocess.run(
        ["curl", "-sS", "-i", f"{web.base_url}/dashboard/api/health/"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    head, _, body = bare.stdout.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 401")
    assert 'www-authenticate: bearer realm="djangobin dashboard"' in head.lower()
    assert "location:" not in head.lower()
    assert "Bearer" in json.loads(body)["error"]
