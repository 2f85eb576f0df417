"""The test suite's port picker: a port one test process gave out is never given by another while the first lives,
even when nothing listens on it for a while (a server switched off, a node restarting)."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ports

pytestmark = pytest.mark.one_database

REPO = Path(__file__).resolve().parents[2]


def test_a_port_another_process_gave_out_is_not_given_here_until_that_process_ends():
    # Given another process that took a port and holds it unbound (its server is down for now)
    other = subprocess.Popen(
        [sys.executable, "-c", "from tests.support.ports import free_port; print(free_port(), flush=True); input()"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        taken = int(other.stdout.readline())

        # Then this process can bind it, yet may not reserve it
        bindable(taken)
        assert not ports._reserve(taken)
    finally:
        other.communicate("\n", timeout=30)

    # And once that process has ended, the port is this process's to take
    assert ports._reserve(taken)


def test_ports_given_in_one_process_differ_and_each_is_free():
    given = [ports.free_port() for _ in range(50)]

    assert len(set(given)) == 50
    for port in given:
        bindable(port)


def bindable(port):
    """Fails the test unless loopback `port` can be bound (plainly, without SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
