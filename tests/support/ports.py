"""Ports for the servers a test starts on loopback, chosen below the kernel's ephemeral range.

A port the kernel handed out with bind(0) is free only until the next outgoing connection takes it as its
local port, and tests open many (RabbitMQ, PostgreSQL, SMTP): CI once saw a later listen() fail with
"address already in use". Below the ephemeral range only test runs' own listeners compete.

Runs of the suite side by side (scripts/test-passes starts four) competed for them: a port one run gives to a server
that is down for a while (an SMTP server or a broker proxy switched off, a private RabbitMQ node restarting) is free
to the eye of another run, which gave it to a server of its own; whichever bound second failed. A listener monitor
over one `make test` saw two ports given by two runs each. So every port given out is also reserved, for as long as
the process that picked it lives, by an exclusive lock on a file named after it: no other run on the machine picks it.
"""

import contextlib
import fcntl
import os
import random
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

_LOWEST = 10000
_RESERVATIONS = Path(tempfile.gettempdir()) / "djangobin-test-ports"
_given = set()
_lock = threading.Lock()


def _ephemeral_range():
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _reserve(port):
    """Lock `port`'s file for this process's lifetime; False if another live process holds it."""
    _RESERVATIONS.mkdir(mode=0o777, exist_ok=True)
    fd = os.open(_RESERVATIONS / str(port), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    return True  # `fd` is never closed: the lock lasts until this process ends


def _reserved_port():
    """A random port of the range, now reserved for this process (see the module), or None if that one was taken."""
    low, high = _ephemeral_range()
    candidates = range(_LOWEST, low) if low - _LOWEST >= 1000 else range(high + 1, 65536)
    port = random.choice(candidates)
    if port in _given or not _reserve(port):
        return None
    _given.add(port)  # reserved now: kept even if busy, so that it is not tried again
    return port


def _bound(port, *, reuse=True):
    """A socket bound to loopback `port`; `reuse` (SO_REUSEADDR) as servers bind, over the port's closed connections."""
    sock = socket.socket()
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def _picked(*, reuse):
    with _lock:
        for _ in range(200):
            port = _reserved_port()
            if port is not None:
                with contextlib.suppress(OSError):
                    return _bound(port, reuse=reuse)
    raise RuntimeError("no free loopback port found outside the ephemeral range")


def bound_socket():
    """A socket bound to a port of its own, reserved for this process, not yet listening: a server in this process
    listens on it (`create_server(sock=…)`), so that nothing can take the port between the pick and the listen."""
    return _picked(reuse=True)


def free_port():
    """A loopback port nothing is bound to now, not even a closing connection (a server in another process may not set
    SO_REUSEADDR), reserved for this process: for a server another process starts, or for nothing to listen on."""
    with _picked(reuse=False) as sock:
        return sock.getsockname()[1]


class ServerPort:
    """The port of a server in this process that may stop and listen again (an SMTP server or a broker proxy switched
    off on purpose): bound at the pick, so that nothing can take it before the first listen, and reserved for this
    process while the server is off."""

    def __init__(self, what):
        self.what = what
        self._sock = bound_socket()
        self.number = self._sock.getsockname()[1]

    def socket(self):
        """A socket bound to the port, for the server's next listen: the one bound at the pick first, then bound again;
        an error that says what holds the port if it cannot be, so that a collision names its cause."""
        sock, self._sock = self._sock, None
        if sock is not None:
            return sock
        try:
            return _bound(self.number)
        except OSError as error:
            message = f"{self.what} on port {self.number}: {error.strerror}; held by: {_holders(self.number)}"
            raise OSError(error.errno, message) from error


def _holders(port):
    """What holds loopback `port` now, as `ss` lists its sockets."""
    try:
        listed = subprocess.run(["ss", "-Htanp", f"sport = :{port}"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as failure:
        return f"unknown ({failure})"
    return listed.stdout.strip() or "nothing now"
