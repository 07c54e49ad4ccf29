"""``validate URL`` against hostile or broken HTTP peers: each is one fetch line, never a traceback.

The peer is a raw socket server on 127.0.0.1 in a thread that answers every connection with
fixed bytes, so it can send what no well-behaved HTTP server library would.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.validate import validate_source

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
VALID_RSS = (FEEDS / "valid-rss.xml").read_bytes()
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")


class RawPeer:
    """Answers every connection with ``reply`` (then hangs up), whatever was asked."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                try:
                    conn.sendall(self.reply)
                    conn.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the client hung up first, as it may

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.listener.close()


@pytest.fixture
def peer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bytes], RawPeer]]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    started: list[RawPeer] = []

    def start(reply: bytes) -> RawPeer:
        started.append(RawPeer(reply))
        return started[-1]

    yield start
    for each in started:
        each.close()


def _response(headers: list[bytes], body: bytes = b"", status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


FLOOD = _response(
    [b"Content-Type: application/rss+xml"]
    + [b"X-Flood-%d: 1" % n for n in range(150)]
    + [b"Content-Length: %d" % len(VALID_RSS)],
    VALID_RSS,
)
LONG_LINE = _response(
    [b"Content-Type: application/rss+xml", b"X-Long: " + b"a" * (64 * 1024 + 10)], VALID_RSS
)
SHORT_BODY = _response(
    [b"Content-Type: application/rss+xml", b"Content-Length: %d" % (len(VALID_RSS) + 500)],
    VALID_RSS,
)
CUT_CHUNKED = _response(
    [b"Content-Type: application/rss+xml", b"Transfer-Encoding: chunked"],
    b"%x\r\n" % 1000 + VALID_RSS[:200],
)
NOT_HTTP = b"SSH-2.0-OpenSSH_9.6\r\n\r\n"


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (FLOOD, "response refused: got more than 100 headers"),
        (LONG_LINE, "response refused: got more than 65536 bytes when reading header line"),
        (SHORT_BODY, f"incomplete body: the connection closed after {len(VALID_RSS)} of "),
        (CUT_CHUNKED, "incomplete body: the connection closed before the chunked body ended"),
        (NOT_HTTP, "not an HTTP response"),
    ],
    ids=["100+ headers", "64 KiB header line", "short body", "cut chunked body", "not HTTP"],
)
def test_a_broken_response_is_one_fetch_line(
    peer: Callable[[bytes], RawPeer], reply: bytes, words: str
) -> None:
    source = peer(reply).url()
    [problem] = validate_source(source, timeout=5)
    assert (problem.source, problem.level, problem.rule) == (source, "error", "fetch")
    assert problem.message.startswith(words), problem.message
    assert "\n" not in problem.message


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "gopher:feed"]
)
def test_a_redirect_out_of_http_is_refused_not_a_loop(
    peer: Callable[[bytes], RawPeer], location: str
) -> None:
    headers = [b"Location: " + location.encode(), b"Content-Length: 0"]
    reply = _response(headers, status=b"302 Found")
    [problem] = validate_source(peer(reply).url(), timeout=5)
    assert problem.rule == "fetch"
    assert problem.message == (
        f"refused a redirect (HTTP 302) to {location!r}: only http(s) URLs are followed"
    )


def test_a_3xx_without_location_is_not_called_a_loop(peer: Callable[[bytes], RawPeer]) -> None:
    reply = _response([b"Content-Length: 0"], status=b"302 Found")
    [problem] = validate_source(peer(reply).url(), timeout=5)
    assert problem.message == "HTTP 302 Found"


def test_the_run_goes_on_past_a_hostile_peer(peer: Callable[[bytes], RawPeer]) -> None:
    flood, long_line = peer(FLOOD).url(), peer(LONG_LINE).url()
    good = str(FEEDS / "valid-rss.xml")
    result = CliRunner().invoke(main, ["validate", flood, long_line, good])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == "3 document(s): 2 error(s), 0 warning(s)"
    assert [line.split(": ")[0] for line in lines[:-1]] == [flood, long_line]
