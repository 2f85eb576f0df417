"""deploy/systemd: the three units pass `systemd-analyze verify`, and their ExecStart lines, run here as systemd would
run them (same environment, the main process stopped with SIGTERM alone as KillMode=mixed does), serve the site,
deliver mail and stop cleanly. systemd itself is not PID 1 in the test sandbox, so the units are not started by it."""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.system import READY_LINE, REPO, wait_for_http
from tests.support.web import WebClient

pytestmark = [pytest.mark.integration, pytest.mark.one_database]

UNITS = REPO / "deploy" / "systemd"
INSTALLED = "/srv/djangobin"


def unit(name):
    """{key: [values]} of a unit file's [Service] and other sections, as systemd reads its simple lines."""
    values = {}
    for line in (UNITS / f"djangobin-{name}.service").read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def here(text):
    """A unit's line with the installed paths pointing at this checkout and its virtualenv."""
    venv_bin = str(Path(sys.executable).parent)
    return text.replace(f"{INSTALLED}/.venv/bin", venv_bin).replace(INSTALLED, str(REPO))


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    for path in UNITS.glob("*.service"):
        text = here(path.read_text()).replace("/etc/djangobin/env", str(tmp_path / "env"))
        (tmp_path / path.name).write_text(text)
    (tmp_path / "env").write_text("")
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, sorted(tmp_path.glob("*.service")))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_worker_unit_stops_only_its_main_process_first():
    assert unit("worker")["KillMode"] == ["mixed"]
    assert "rundramatiq" in unit("worker")["ExecStart"][0]


def stop_as_systemd(process, timeout):
    """KillMode=mixed: SIGTERM to the main process, then, past TimeoutStopSec, SIGKILL to the whole group."""
    os.kill(process.popen.pid, signal.SIGTERM)
    try:
        return process.popen.wait(timeout=timeout)
    finally:
        process.signal(signal.SIGKILL)


def test_the_units_exec_start_lines_serve_the_site_deliver_mail_and_stop_cleanly(system, smtp_server, tmp_path):
    port = free_port()
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(60)

    web_line = here(unit("web")["ExecStart"][0]).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    web = system.start_program("web", shlex.split(web_line), env={"NOTIFY_SOCKET": str(tmp_path / "notify")})
    worker = system.start_program("worker", shlex.split(here(unit("worker")["ExecStart"][0])))
    scheduler = system.start_program("scheduler", shlex.split(here(unit("scheduler")["ExecStart"][0])))

    assert b"READY=1" in notify.recv(4096)  # Type=notify: gunicorn tells systemd it is up
    web.base_url = f"http://127.0.0.1:{port}"
    client = WebClient(web.base_url)
    wait_for_http(client, "/about/", web)
    worker.wait_for_log(READY_LINE, count=2)
    scheduler.wait_for_log("leads: it fires the jobs")
    data = {"name": "Unit", "email": "unit@example.com", "purpose": "bug", "message": "from the systemd units"}
    assert client.post("/contact/", data).status == 302
    smtp_server.wait_for(1, timeout=60)

    assert stop_as_systemd(worker, timeout=60) == 0
    assert stop_as_systemd(scheduler, timeout=30) == 0
    assert stop_as_systemd(web, timeout=30) == 0
    assert "Killing worker process" not in worker.log()
    assert "stopped." in scheduler.log()
