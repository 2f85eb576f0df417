"""deploy/gunicorn.conf.py and the request-body bound, on gunicorn as the web unit starts it (issue 19, item 7).

A client streams a multipart upload far over the paste limit over loopback: the server answers 413 long before the
body is sent and writes none of it to a temporary file; request lines and headers past gunicorn's limits are
refused by gunicorn itself."""

import json
import os
import re
import select
import shlex
import socket
import subprocess
import sys

import pytest

from tests.deploy.test_systemd_units import here, unit
from tests.support.ports import free_port
from tests.support.system import REPO, wait_for_http
from tests.support.web import WebClient

pytestmark = [pytest.mark.integration, pytest.mark.one_database]

MiB = 1024 * 1024
BODY_BYTES = 256 * MiB
BOUNDARY = "djangobin-test-boundary"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """The static files collected once for this module's servers (DEBUG off serves them by their hashed names)."""
    root = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "django_project.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "collectstatic-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "EMAIL_HOST": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(root),
    }
    argv = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(argv, cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    return root


@pytest.fixture
def web(system, tmp_path, static_root):
    """gunicorn started by the web unit's own ExecStart line with DEBUG off (with it on, Django answers a body too
    large with its technical 400 page), its temporary files in a directory of the test's."""
    port = free_port()
    line = here(unit("web")["ExecStart"][0]).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(static_root),
        "TMPDIR": str(temporary),
    }
    process = system.start_program("web", shlex.split(line), env=env)
    process.port, process.temporary = port, temporary
    wait_for_http(WebClient(f"http://127.0.0.1:{port}"), "/about/", process)
    return process


def stream_upload(port, path, headers=""):
    """POST a multipart upload of BODY_BYTES, sending it until the server answers; (bytes sent, response)."""
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="content"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {BODY_BYTES}\r\n{headers}\r\n"
    ).encode()
    chunk = b"x" * (64 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + preamble)
        sent = len(preamble)
        while sent < BODY_BYTES:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break  # the server answered
            assert writable, "the server neither read the body nor answered for 30 s"
            try:
                sent += sock.send(chunk[: BODY_BYTES - sent])
            except (BrokenPipeError, ConnectionResetError):
                break
        return sent, read_response(sock)


def read_response(sock):
    data = b""
    try:
        while True:
            part = sock.recv(65536)
            if not part:
                break
            data += part
    except ConnectionResetError:
        pass  # the server closed with the rest of the upload unread; what it answered first is in `data`
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode(errors="replace")


def test_an_api_upload_far_over_the_limit_is_answered_413_before_its_body_is_sent(web):
    sent, (status, body) = stream_upload(web.port, "/api/v2/")

    assert status == 413
    assert "Snippets are limited to" in json.loads(body)["error"]
    assert sent < BODY_BYTES / 4
    assert list(web.temporary.iterdir()) == []


def test_the_paste_form_answers_an_upload_far_over_the_limit_with_a_413_page_before_its_body_is_sent(web):
    client = WebClient(f"http://127.0.0.1:{web.port}")
    page = client.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)[1]
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)

    sent, (status, body) = stream_upload(web.port, "/", headers=f"Cookie: {cookie}\r\nX-CSRFToken: {token}\r\n")

    assert status == 413
    assert "Snippets are limited to" in body
    assert sent < BODY_BYTES / 4
    assert list(web.temporary.iterdir()) == []


@pytest.mark.parametrize(
    ("request_head", "refusal"),
    [
        (f"GET /search/?q={'a' * 5000} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"X-Header-{n}: x\r\n" for n in range(60)) + "\r\n", 431),
        (f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: {'a' * 9000}\r\n\r\n", 431),
    ],
    ids=["request line", "header count", "header size"],
)
def test_gunicorn_refuses_a_request_line_or_headers_past_its_limits(web, request_head, refusal):
    with socket.create_connection(("127.0.0.1", web.port), timeout=30) as sock:
        sock.sendall(request_head.encode())
        status, _ = read_response(sock)

    assert status == refusal
