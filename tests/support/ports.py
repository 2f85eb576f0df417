"""Ports for the servers a test starts on loopback, chosen below the kernel's ephemeral range.

A port the kernel handed out with bind(0) is free only until the next outgoing connection takes it as its
local port, and tests open many (RabbitMQ, PostgreSQL, SMTP): CI once saw a later listen() fail with
"address already in use". Below the ephemeral range only our own listeners compete, and this module never
hands the same port out twice in one process.
"""

import random
import socket
import threading
from pathlib import Path

_LOWEST = 10000
_given = set()
_lock = threading.Lock()


def _ephemeral_range():
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A loopback TCP port nothing listens on or is bound to now, and not given out before in this process."""
    low, high = _ephemeral_range()
    candidates = range(_LOWEST, low) if low - _LOWEST >= 1000 else range(high + 1, 65536)
    with _lock:
        for _ in range(200):
            port = random.choice(candidates)
            if port in _given:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _given.add(port)
            return port
    raise RuntimeError("no free loopback port found outside the ephemeral range")
