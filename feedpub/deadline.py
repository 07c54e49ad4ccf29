"""One deadline for a whole HTTP exchange: connecting, headers and body, redirects included.

A socket timeout bounds one wait only: a peer that sends a byte every few seconds, in the
headers or the body, never trips it. A :class:`Deadline` hands urllib connections that report
their sockets to it, and a timer shuts those sockets down when the time is up, which ends any
read blocked on them at once. Used by ``feedpub validate URL`` and by the WebSub pings.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.request

__all__ = ["Deadline"]


class Deadline:
    """Hangs up every connection of one exchange when its ``seconds`` are up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        #: Set once the time is up: whatever was read may look whole and is not to be trusted.
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        """Hang ``sock`` up at the deadline (at once, if it has passed)."""
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired.is_set()
        if expired:
            self._hang_up(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            self._hang_up(sock)

    @staticmethod
    def _hang_up(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            sock.shutdown(socket.SHUT_RDWR)

    def handlers(self) -> list[urllib.request.BaseHandler]:
        """urllib handlers whose connections (redirects too) report their sockets here."""
        deadline = self

        class Http(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                deadline.watch(self.sock)

        class Https(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                deadline.watch(self.sock)

        class HttpHandler(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Http, req)

        class HttpsHandler(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Https, req)

        return [HttpHandler(), HttpsHandler()]
