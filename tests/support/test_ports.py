"""The test suite's port picker: a port one test process gave out is never given by another while the first lives,
even when nothing listens on it for a while (a server switched off, a node restarting)."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ports, private_rabbitmq
from tests.support.system import PORT_TAKEN

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


@pytest.mark.integration
def test_a_web_server_whose_port_was_taken_after_the_pick_is_started_again_on_another(system, monkeypatch):
    # Given a port something else on the machine listens on, picked first for the web server
    with ports.bound_socket() as taken:
        taken.listen(1)
        picks = iter([taken.getsockname()[1]])
        monkeypatch.setattr("tests.support.system.free_port", lambda: next(picks, None) or ports.free_port())

        # When the web server is started
        web = system.start_web()

        # Then runserver said the first port was taken, and the site answers on another
        first = system.processes[0]
        assert first.popen.poll() is not None and PORT_TAKEN in first.log()
        assert web is not first and not web.base_url.endswith(f":{taken.getsockname()[1]}")
        assert system.client(web).get("/about/").status == 200


@pytest.mark.integration
@pytest.mark.skipif(not private_rabbitmq.available(), reason="needs Debian's rabbitmq-server")
@pytest.mark.parametrize("port", ["RABBITMQ_NODE_PORT", "RABBITMQ_DIST_PORT"])
def test_a_private_rabbitmq_node_whose_port_was_taken_before_its_first_start_starts_on_other_ports(tmp_path, port):
    # Given a private node whose AMQP port (logged "eaddrinuse") or Erlang distribution port (the node stops without
    # a word) something else on the machine listens on
    node = private_rabbitmq.PrivateRabbitmq(tmp_path / "node")
    with ports._bound(int(node.env[port])) as taken:
        taken.listen(1)
        try:
            # When it is started
            node.start()

            # Then it takes connections on ports of its own (picked again once its first start had ended)
            assert int(node.env[port]) != taken.getsockname()[1]
            assert node.queue_depths("/") == {}
            kept = "".join(log.read_text() for log in tmp_path.glob("node/log-failed-start-*/*.log"))
            assert ("eaddrinuse" in kept) == (port == "RABBITMQ_NODE_PORT")
        finally:
            if node.node_up or node._vm_running():
                node.stop()
