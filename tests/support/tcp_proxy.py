"""A TCP forwarder on loopback that a test switches off and on: a broker outage without touching RabbitMQ.

Off, nothing listens on its port (connections are refused) and every forwarded connection is cut, as when
the broker's machine goes away; on, it listens again on the same port.
"""

import contextlib
import socket
import threading

from .ports import ServerPort


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, int(target_port))
        self._port = ServerPort("proxy")
        self.port = self._port.number
        self._listener = None
        self._connections = set()
        self._lock = threading.Lock()

    def url_for(self, url):
        """`url` (amqp://user:pass@host:port/vhost) with its host and port replaced by this proxy's."""
        scheme, rest = url.split("://", 1)
        credentials, _, location = rest.rpartition("@")
        _, _, path = location.partition("/")
        return f"{scheme}://{credentials}@127.0.0.1:{self.port}/{path}"

    def up(self):
        listener = self._port.socket()
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def down(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            self._close(listener)  # shut down first: a close alone leaves it listening while _accept waits in it
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            self._close(connection)
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections.update({client, upstream})
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    @staticmethod
    def _close(sock):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
