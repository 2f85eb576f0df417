"""A real SMTP server on loopback (aiosmtpd) whose behaviour a test can switch: accept, stall, refuse."""

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages = []
        self.reply = "250 OK"  # or e.g. "451 try later", "550 no such user"
        self.stall_seconds = 0.0
        self.attempts = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        if self.reply.startswith("250"):
            message = message_from_bytes(envelope.content, policy=policy.default)
            with self._lock:
                self.messages.append((envelope.rcpt_tos, message))
        return self.reply


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    @property
    def messages(self):
        return list(self.handler.messages)

    def wait_for(self, count, timeout=30.0, predicate=None):
        """Wait until `count` accepted messages (matching `predicate`, if given) arrived; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if predicate is None or predicate(m)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def env(self):
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_TIMEOUT": "5"}
