"""A real SMTP server on loopback (aiosmtpd) whose behaviour a test can switch: accept, stall, refuse."""

import asyncio
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from .ports import ServerPort


class RecordingHandler:
    """Records accepted mail. A test sets `reply` (e.g. "451 try later", "550 no such user"), queues one-off
    `replies` for the next DATA commands, refuses some recipients at RCPT, or stalls every RCPT or DATA command."""

    def __init__(self):
        self.messages = []
        self.envelopes = []  # (MAIL FROM, RCPT TOs) of each accepted message, as the client sent them
        self.reply = "250 OK"  # or e.g. "451 try later", "550 no such user"
        self.replies = []  # one-off replies used, in order, before `reply`
        self.refused_recipients = {}  # address -> RCPT reply, e.g. {"x@example.com": "550 5.1.1 no such user"}
        self.stall_seconds = 0.0
        self.rcpt_stall_seconds = 0.0  # each RCPT answered this late (not releasable): a slow server, not a dead one
        self.attempts = 0  # DATA commands received
        self.rcpt_attempts = 0
        self.finished = 0  # DATA commands answered
        self.sessions = []  # the server side of each connection that said EHLO, in order
        self.quits = 0
        self._released = threading.Event()
        self._lock = threading.Lock()

    @property
    def stalling(self):
        """How many DATA commands are being held right now."""
        with self._lock:
            return self.attempts - self.finished

    def release(self):
        """End every stall now and from now on."""
        self._released.set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.sessions.append(server)
        session.host_name = hostname
        return responses

    async def handle_QUIT(self, server, session, envelope):
        with self._lock:
            self.quits += 1
        return "221 Bye"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.rcpt_attempts += 1
        await asyncio.sleep(self.rcpt_stall_seconds)
        refusal = self.refused_recipients.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            reply = self.replies.pop(0) if self.replies else self.reply
        try:
            deadline = time.monotonic() + self.stall_seconds
            while time.monotonic() < deadline and not self._released.is_set():
                await asyncio.sleep(0.02)
            if reply.startswith("250"):
                message = message_from_bytes(envelope.content, policy=policy.default)
                with self._lock:
                    self.messages.append((envelope.rcpt_tos, message))
                    self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            return reply
        finally:
            with self._lock:
                self.finished += 1


class _BoundController(Controller):
    """aiosmtpd's Controller listening on a socket it is given, already bound (see ports.ServerPort)."""

    def __init__(self, handler, sock):
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1])
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self._port = ServerPort("SMTP server")
        self.port = self._port.number
        self._controller = None

    def start(self):
        """Listen (again, after `stop()`, on the same port and with the same handler and records)."""
        self._controller = _BoundController(self.handler, self._port.socket())
        self._controller.start()
        return self

    def stop(self):
        """Stop listening: a client then gets "connection refused", as from a mail server that is down."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def hang_up(self, reply=None):
        """Close every open connection, first sending `reply` (e.g. Postfix's "421 4.4.2 … timeout exceeded")."""

        def close_all():
            for server in self.handler.sessions:
                if server.transport is not None and not server.transport.is_closing():
                    if reply:
                        server.transport.write(f"{reply}\r\n".encode())
                    server.transport.close()

        self._controller.loop.call_soon_threadsafe(close_all)

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

    def wait_until(self, condition, timeout=30.0, what="the condition"):
        """Wait until `condition()` (about this server's state) is true; fail the test after `timeout`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"SMTP server: {what} did not happen within {timeout} s")
            time.sleep(0.02)

    def env(self):
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_TIMEOUT": "5"}
