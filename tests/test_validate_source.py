"""validate_source reading files, stdin and http URLs, and the hardened parse.

HTTP tests use a tiny server on 127.0.0.1 in a thread; nothing leaves the machine.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from feedpub.errors import FeedValidationError
from feedpub.validate import parse_untrusted, validate_feed, validate_source

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
VALID_RSS = (FEEDS / "valid-rss.xml").read_bytes()
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    requests_seen: list[str]
    # Set when a drip ends: dripped_all tells whether the client waited for every byte.
    drip_over: threading.Event
    dripped_all: bool


class Handler(BaseHTTPRequestHandler):
    """Serves a few fixed routes and records every path it is asked for."""

    server: FeedServer

    def do_GET(self) -> None:
        self.server.requests_seen.append(self.path)
        if self.path == "/feed.xml":
            self.reply(200, VALID_RSS)
        elif self.path == "/huge-declared.xml":
            self.reply(200, b"<rss>" + b" " * 5000 + b"</rss>")
        elif self.path == "/huge-streamed.xml":
            # No Content-Length: the reader must count what it reads.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"<rss>" + b" " * 5000 + b"</rss>")
        elif self.path == "/slow.xml":
            time.sleep(1.0)
            self.reply(200, VALID_RSS)
        elif self.path == "/loop.xml":
            self.send_response(302)
            self.send_header("Location", "/loop.xml")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/drip-headers.xml":
            # One byte of the status line and headers at a time: no single read waits long.
            self.drip(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Pad: " + b"x" * 40
            )
        elif self.path == "/drip-body.xml":
            self.send_response(200)
            self.send_header("Content-Length", "60")
            self.end_headers()
            self.drip(VALID_RSS[:60])
        elif self.path == "/moved.xml":
            self.send_response(302)
            self.send_header("Location", "/feed.xml")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.reply(404, b"not here")

    def drip(self, data: bytes) -> None:
        """Send ``data`` a byte every 0.1 s (for seconds) unless the client hangs up."""
        self.server.dripped_all = False
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
            self.server.dripped_all = True
        except OSError:
            pass  # the client gave up, as it should
        finally:
            self.server.drip_over.set()

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    httpd = FeedServer(("127.0.0.1", 0), Handler)
    httpd.requests_seen = []
    httpd.drip_over = threading.Event()
    # A short poll interval keeps shutdown, once per test, quick.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def url(server: FeedServer, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def test_valid_file_has_no_problems() -> None:
    assert validate_source(str(FEEDS / "valid-atom.xml")) == []


def test_problems_name_the_file_they_come_from(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(VALID_RSS.replace(b"<language>id</language>", b"<language>id_ID</language>"))
    [problem] = validate_source(str(path))
    assert (problem.source, problem.rule, problem.path) == (
        str(path),
        "language-tag",
        "/rss/channel/language",
    )


@pytest.mark.parametrize(
    ("make_source", "words"),
    [
        (lambda tmp: str(tmp / "missing.xml"), "No such file"),
        (lambda tmp: str(tmp), "Is a directory"),
        (lambda tmp: "ftp://news.example.org/feed.xml", "unsupported URL scheme"),
    ],
    ids=["missing file", "directory", "ftp URL"],
)
def test_unreadable_source_is_one_fetch_error(
    make_source: Callable[[Path], str], words: str, tmp_path: Path
) -> None:
    source = make_source(tmp_path)
    [problem] = validate_source(source)
    assert (problem.source, problem.level, problem.rule) == (source, "error", "fetch")
    assert words in problem.message


def test_file_larger_than_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(VALID_RSS)
    [problem] = validate_source(str(path), max_bytes=len(VALID_RSS) - 1)
    assert problem.rule == "fetch"
    assert f"larger than {len(VALID_RSS) - 1} bytes" in problem.message
    assert validate_source(str(path), max_bytes=len(VALID_RSS)) == []


@pytest.mark.parametrize(
    ("data", "rules"),
    [(VALID_RSS, []), (b"<rss version='2.0'><channel>", ["xml-parse"])],
    ids=["valid", "truncated"],
)
def test_stdin_is_read_for_dash(data: bytes, rules: list[str]) -> None:
    problems = validate_source("-", stdin=io.BytesIO(data))
    assert [p.rule for p in problems] == rules
    assert all(p.source == "<stdin>" for p in problems)


def test_valid_feed_over_http(server: FeedServer) -> None:
    assert validate_source(url(server, "/feed.xml")) == []
    assert server.requests_seen == ["/feed.xml"]


def test_redirect_to_http_is_followed(server: FeedServer) -> None:
    assert validate_source(url(server, "/moved.xml")) == []
    assert server.requests_seen == ["/moved.xml", "/feed.xml"]


@pytest.mark.parametrize(
    ("path", "timeout", "max_bytes", "words"),
    [
        ("/nothing.xml", 5.0, 10_000, "HTTP 404"),
        ("/huge-declared.xml", 5.0, 1000, "larger than 1000 bytes"),
        ("/huge-streamed.xml", 5.0, 1000, "larger than 1000 bytes"),
        ("/slow.xml", 0.2, 10_000, "timed out after 0.2s"),
    ],
    ids=["404", "too large by Content-Length", "too large while reading", "timeout"],
)
def test_http_failure_is_one_fetch_error(
    server: FeedServer, path: str, timeout: float, max_bytes: int, words: str
) -> None:
    source = url(server, path)
    [problem] = validate_source(source, timeout=timeout, max_bytes=max_bytes)
    assert (problem.source, problem.level, problem.rule) == (source, "error", "fetch")
    assert words in problem.message


def test_refused_connection_is_one_fetch_error(server: FeedServer) -> None:
    source = url(server, "/feed.xml")
    server.shutdown()
    server.server_close()
    [problem] = validate_source(source, timeout=2)
    assert (problem.rule, problem.level) == ("fetch", "error")
    assert "cannot fetch" in problem.message


@pytest.mark.parametrize("fixture", ["xxe.xml", "billion-laughs.xml"])
def test_entity_attacks_are_refused_unexpanded(fixture: str) -> None:
    # Refused at the DTD, before any entity is expanded (no timing: the suite never
    # depends on the machine's speed).
    [problem] = validate_source(str(FEEDS / "unsafe" / fixture))
    assert (problem.level, problem.rule) == ("error", "unsafe-xml")
    assert "entities" in problem.message
    assert "root:" not in problem.message  # /etc/passwd never read


# Entities pointing at the test server: any request would prove network access.
SMALL_ATTACKS = {
    "external general entity": (
        '<!DOCTYPE rss [<!ENTITY x SYSTEM "{url}">]>'
        '<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    ),
    "external parameter entity": (
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "{url}"> %p;]><rss version="2.0"/>'
    ),
    "two-level laughs": (
        '<!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>'
        '<rss version="2.0"><channel><title>&b;</title></channel></rss>'
    ),
}


@pytest.mark.parametrize("template", SMALL_ATTACKS.values(), ids=SMALL_ATTACKS)
def test_parse_untrusted_refuses_entities_without_fetching(
    server: FeedServer, template: str
) -> None:
    document = template.format(url=url(server, "/secret")).encode()
    with pytest.raises(FeedValidationError) as raised:
        parse_untrusted(document, "attack.xml")
    [problem] = raised.value.problems
    assert (problem.source, problem.rule) == ("attack.xml", "unsafe-xml")
    assert server.requests_seen == []


def test_local_parameter_entity_is_not_read(tmp_path: Path) -> None:
    declarations = tmp_path / "leak.ent"
    declarations.write_text('<!ENTITY leak "secret">')
    document = (
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{declarations.as_uri()}"> %p;]>'
        '<rss version="2.0"><channel><title>&leak;</title></channel></rss>'
    ).encode()
    [problem] = validate_feed(document)
    assert problem.rule == "unsafe-xml"
    assert "(p)" in problem.message  # "leak" would be declared had the file been read


def test_external_dtd_is_neither_fetched_nor_refused(server: FeedServer) -> None:
    document = (
        f'<!DOCTYPE rss SYSTEM "{url(server, "/rss-0.91.dtd")}">'.encode()
        + VALID_RSS.split(b"?>", 1)[1]
    )
    assert validate_feed(document) == []
    assert server.requests_seen == []


@pytest.mark.parametrize(
    ("document", "rule", "line"),
    [
        (b"", "xml-parse", 1),
        (b"<rss>\n<channel>\n</rss>", "xml-parse", 3),
        (b"<r>" + b"<a>" * 300, "unsafe-xml", 1),
    ],
    ids=["empty", "mismatched tags", "too deep"],
)
def test_parse_untrusted_reports_bad_xml_with_its_line(
    document: bytes, rule: str, line: int
) -> None:
    with pytest.raises(FeedValidationError) as raised:
        parse_untrusted(document, "bad.xml")
    [problem] = raised.value.problems
    assert (problem.source, problem.rule, problem.line) == ("bad.xml", rule, line)
    assert validate_feed(document, "bad.xml") == [problem]


def test_parse_untrusted_returns_the_tree() -> None:
    tree = parse_untrusted(VALID_RSS)
    assert tree.getroot().tag == "rss"
    assert tree.findtext("channel/title") == "Altum News"


@pytest.mark.parametrize("path", ["/drip-headers.xml", "/drip-body.xml"])
def test_timeout_is_a_deadline_for_the_whole_fetch(server: FeedServer, path: str) -> None:
    # Each byte comes well within the timeout, so only a deadline for the whole fetch
    # (headers included) makes the client hang up before the server is done dripping,
    # seconds later; a client that waits gets the whole feed (or 60 bytes of it).
    [problem] = validate_source(url(server, path), timeout=0.5)
    assert (problem.rule, problem.message) == ("fetch", "timed out after 0.5s")
    assert server.drip_over.wait(30)
    assert not server.dripped_all


def test_redirect_loop_is_one_line(server: FeedServer) -> None:
    [problem] = validate_source(url(server, "/loop.xml"))
    assert problem.rule == "fetch"
    assert "\n" not in problem.message
    assert problem.message.startswith("redirect loop"), problem.message
