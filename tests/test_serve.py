"""feedpub serve: real HTTP on 127.0.0.1, the headers a feed server should send, and no way out."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from werkzeug.test import Client

from feedpub import build, load_config
from feedpub.cli import main
from feedpub.serve import (
    ARCHIVE_MAX_AGE,
    FEED_MAX_AGE,
    Rebuilder,
    feed_server,
    log_colour,
    wsgi_app,
)
from feedpub.site import resolve_run
from tests.conftest import SAMPLE_ARTICLES, SAMPLE_CONFIG

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, built once for this module."""
    root = tmp_path_factory.mktemp("built")
    shutil.copy(SAMPLE_CONFIG, root / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, root / "articles")
    (root / "secret.xml").write_text("<rss>outside the folder</rss>")
    config = load_config(root / "feedpub.toml")
    build(root / "articles", root / "public", config, state_dir=root / ".feedpub", now=NOW)
    return root


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    """A copy of the built sample for one test (which may change it)."""
    shutil.copytree(built, tmp_path / "site", symlinks=True)
    return tmp_path / "site"


@pytest.fixture
def server(site: Path) -> Iterator[tuple[str, int]]:
    """The sample's public/ served on an ephemeral port by a thread of this test."""
    httpd = feed_server(site / "public", "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _get(
    address: tuple[str, int], path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request(
            method, path, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/category/ekonomi/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/category/ekonomi/atom.xml", "application/atom+xml; charset=utf-8"),
    ],
)
def test_feeds_are_served_with_their_media_type_and_validators(
    server: tuple[str, int], site: Path, path: str, kind: str
) -> None:
    status, headers, body = _get(server, path)
    assert status == 200
    assert headers["content-type"] == kind
    assert body == (site / "public" / path.lstrip("/")).read_bytes()
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    mtime = int((site / "public" / path.lstrip("/")).stat().st_mtime)
    assert headers["last-modified"] == datetime.fromtimestamp(mtime, UTC).strftime(
        "%a, %d %b %Y %H:%M:%S GMT"
    )
    assert headers["cache-control"] == f"public, max-age={FEED_MAX_AGE}"
    assert headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in headers
    connection = http.client.HTTPConnection(*server, timeout=10)
    connection.request("GET", path)
    assert len(connection.getresponse().headers.get_all("Date") or []) == 1
    connection.close()


def test_json_feed_and_archive_pages(server: tuple[str, int], site: Path) -> None:
    # limit 3: archive pages to serve (at the sample's 50 every feed is complete, without).
    config = site / "feedpub.toml"
    config.write_text(config.read_text().replace("limit = 50\n", "limit = 3\n"))
    build(
        site / "articles",
        site / "public",
        load_config(config),
        state_dir=site / ".feedpub",
        now=NOW,
    )
    status, headers, _ = _get(server, "/feed.json")
    assert (status, headers["content-type"]) == (200, "application/feed+json; charset=utf-8")
    assert headers["cache-control"] != f"public, max-age={ARCHIVE_MAX_AGE}"
    page = sorted((site / "public" / "archive").iterdir())[0].name
    status, headers, _ = _get(server, f"/archive/{page}/atom.xml")
    assert (status, headers["content-type"]) == (200, "application/atom+xml; charset=utf-8")
    assert headers["cache-control"] == f"public, max-age={ARCHIVE_MAX_AGE}"


def test_head_sends_the_headers_without_the_body(server: tuple[str, int], site: Path) -> None:
    status, headers, body = _get(server, "/rss.xml", "HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) == (site / "public" / "rss.xml").stat().st_size
    assert _get(server, "/rss.xml", "POST")[0] == 405


def test_gzip_only_when_asked(server: tuple[str, int], site: Path) -> None:
    plain = (site / "public" / "rss.xml").read_bytes()
    status, headers, body = _get(server, "/rss.xml", Accept_Encoding="gzip, deflate")
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == plain
    assert int(headers["content-length"]) == len(body) < len(plain)
    identity_etag = _get(server, "/rss.xml")[1]["etag"]
    assert headers["etag"] != identity_etag  # a different representation, a different tag
    _, refused, body = _get(server, "/rss.xml", Accept_Encoding="gzip;q=0, identity")
    assert "content-encoding" not in refused and body == plain


def test_conditional_requests_get_304(server: tuple[str, int]) -> None:
    url = f"http://{server[0]}:{server[1]}/atom.xml"
    first: Any = feedparser.parse(url)
    assert first.status == 200 and first.entries
    assert first.etag and first.modified
    by_etag: Any = feedparser.parse(url, etag=first.etag)
    assert by_etag.status == 304 and not by_etag.entries
    by_date: Any = feedparser.parse(url, modified=first.modified)
    assert by_date.status == 304
    status, headers, body = _get(server, "/atom.xml", If_None_Match='"something-else"')
    assert status == 200 and body
    status, headers, body = _get(
        server, "/atom.xml", If_None_Match=_get(server, "/atom.xml")[1]["etag"]
    )
    assert (status, body) == (304, b"")
    assert headers["etag"] and headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.xml",
        "/%2e%2e/secret.xml",
        "/%2E%2E%2Fsecret.xml",
        "/category/../../secret.xml",
        "/category/%2e%2e%2f%2e%2e%2fsecret.xml",
        "/..%5csecret.xml",
        "/%00rss.xml",
        "//etc/passwd",
        "/leak.xml",
        "/linked/secret.xml",
        "/.hidden.xml",
        "/nothing-here.xml",
    ],
)
def test_nothing_outside_the_folder_is_served(
    server: tuple[str, int], site: Path, path: str
) -> None:
    os.symlink(site / "secret.xml", site / "public" / "leak.xml")
    os.symlink(site, site / "public" / "linked")
    (site / "public" / ".hidden.xml").write_text("<rss/>")
    status, _, body = _get(server, path)
    assert status == 404
    assert b"outside the folder" not in body


def test_a_symlink_within_the_folder_is_served(server: tuple[str, int], site: Path) -> None:
    os.symlink(site / "public" / "rss.xml", site / "public" / "latest.xml")
    status, headers, _ = _get(server, "/latest.xml")
    assert (status, headers["content-type"]) == (200, "application/rss+xml; charset=utf-8")


def test_the_folder_lists_its_feeds_with_autodiscovery_links(
    server: tuple[str, int], site: Path
) -> None:
    _pages_off(site)  # with pages on, the folder's index.html is the directory
    status, headers, body = _get(server, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b'<link rel="alternate" type="application/rss+xml" href="/rss.xml">' in body
    assert (
        b'<link rel="alternate" type="application/atom+xml" href="/category/ekonomi/atom.xml">'
        in body
    )


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("path", "accept", "served"),
    [
        ("/", BROWSER, "index.html"),
        ("/", "*/*", "index.html"),
        ("/category/ekonomi/", BROWSER, "category/ekonomi/index.html"),
        ("/feed/", BROWSER, "feed/index.html"),
        ("/", "application/atom+xml", "atom.xml"),
        ("/category/ekonomi/", "application/rss+xml, text/html;q=0.5", "category/ekonomi/rss.xml"),
        (
            "/category/ekonomi/",
            "application/feed+json;q=0.4, text/html",
            "category/ekonomi/index.html",
        ),
        (
            "/category/ekonomi/",
            "application/feed+json, application/atom+xml;q=0.9",
            "category/ekonomi/feed.json",
        ),
    ],
)
def test_a_feeds_folder_answers_a_browser_with_its_page_and_a_reader_with_its_feed(
    server: tuple[str, int], site: Path, path: str, accept: str, served: str
) -> None:
    status, headers, body = _get(server, path, Accept=accept)
    assert status == 200 and body == (site / "public" / served).read_bytes()
    kind = "text/html; charset=utf-8" if served.endswith(".html") else None
    assert kind is None or headers["content-type"] == kind
    assert "Accept" in headers["vary"]


def test_rebuilder_builds_on_change_and_the_server_serves_the_new_file(
    server: tuple[str, int], site: Path
) -> None:
    reports: list[Any] = []
    rebuilder = Rebuilder(
        lambda: resolve_run(site / "feedpub.toml"),
        now=lambda: NOW,
        on_report=reports.append,
    )
    assert rebuilder.check() is not None  # the first check always builds
    assert rebuilder.check() is None  # nothing changed
    before = _get(server, "/rss.xml")
    record = next((site / "articles").rglob("pasar-takjil*.json"))
    data = json.loads(record.read_text())
    data["title"] = "Judul baru dari editor"
    record.write_text(json.dumps(data))
    report = rebuilder.check()
    assert report is not None and report.exit_code == 0 and report.records_changed == 1
    after = _get(server, "/rss.xml")
    assert b"Judul baru dari editor" in after[2]
    assert after[1]["etag"] != before[1]["etag"]
    config = (site / "feedpub.toml").read_text()
    (site / "feedpub.toml").write_text(config.replace("ALTUMNEWS.Com", "ALTUMNEWS Preview"))
    assert rebuilder.check() is not None
    assert b"ALTUMNEWS Preview" in _get(server, "/rss.xml")[2]
    assert len(reports) == 3


def test_rebuilder_reports_a_bad_config_and_keeps_serving(site: Path) -> None:
    errors: list[Any] = []
    rebuilder = Rebuilder(
        lambda: resolve_run(site / "feedpub.toml"),
        now=lambda: NOW,
        on_error=errors.append,
    )
    (site / "feedpub.toml").write_text("title = ")
    assert rebuilder.check() is None
    assert "not valid TOML" in str(errors[0])
    assert (site / "public" / "rss.xml").is_file()


def test_serve_without_an_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copy(SAMPLE_CONFIG, tmp_path / "feedpub.toml")
    result = CliRunner().invoke(main, ["serve", "--config", str(tmp_path / "feedpub.toml")])
    assert result.exit_code == 2
    assert "output folder not found (run feedpub build first, or pass --build)" in result.stderr


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--out", "s3://news-feeds/feeds/"], "object storage"),
        (["--out", "s3://news-feeds/feeds/", "--build"], "object storage"),
        (["--set", "out=s3://news-feeds/feeds/"], "object storage"),
        (["--out", "ftp://example.com/feeds/"], "a URL, not a folder"),
    ],
)
def test_serve_of_object_storage_says_so_in_one_line(
    site: Path, args: list[str], what: str
) -> None:
    result = CliRunner().invoke(main, ["serve", "--config", str(site / "feedpub.toml"), *args])
    assert result.exit_code == 2
    out = args[1].removeprefix("out=")
    assert result.stderr == (
        f"feedpub: serve: {out} is {what}; serve previews a folder: pass --out DIR "
        "(with --build to build the feeds there)\n"
    )


def test_serve_on_a_port_in_use_is_a_usage_error(server: tuple[str, int], site: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["serve", "--config", str(site / "feedpub.toml"), "--port", str(server[1])],
    )
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{server[1]}" in result.stderr


@pytest.mark.parametrize("header", ["If-Modified-Since", "If-Unmodified-Since", "If-Range"])
def test_an_absurd_conditional_date_is_ignored(server: tuple[str, int], header: str) -> None:
    # Year 99999999999 overflows the date parser: the condition is treated as absent.
    date = "Sat, 01 Jan 99999999999 00:00:00 GMT"
    status, _, body = _get(server, "/atom.xml", **{header.replace("-", "_"): date})
    assert status == 200 and body == _get(server, "/atom.xml")[2]


def _pages_off(site: Path) -> None:
    """Build ``site`` again without the pages for people (their index.html files go)."""
    config = site / "feedpub.toml"
    config.write_text("pages = false\n" + config.read_text())
    report = build(
        site / "articles",
        site / "public",
        load_config(config),
        state_dir=site / ".feedpub",
        now=NOW,
    )
    assert report.exit_code == 0 and not list((site / "public").rglob("index.html"))


def _with_archive_pages(site: Path, *, pages: bool = False) -> str:
    """Build ``site`` again with one entry a feed, so that its feeds have archive pages; the
    first category that has some. Without the pages for people unless ``pages``: a folder
    is listed only when it has no index.html."""
    config = site / "feedpub.toml"
    text = config.read_text().replace("limit = 50\n", "limit = 1\n")
    config.write_text(text if pages else "pages = false\n" + text)
    report = build(
        site / "articles",
        site / "public",
        load_config(config),
        state_dir=site / ".feedpub",
        now=NOW,
    )
    assert report.exit_code == 0
    category = site / "public" / "category"
    return next(p.name for p in sorted(category.iterdir()) if (p / "archive").is_dir())


def test_the_listing_reads_no_file(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A listing costs a few folder scans however large the output: no file is opened
    # (a huge or unreadable one cannot slow it down or break it), archive pages are
    # reached through their folders rather than listed all at once.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the listing read a file")

    term = _with_archive_pages(site)
    period = sorted((site / "public" / "category" / term / "archive").iterdir())[0].name
    client = Client(wsgi_app(site / "public"))
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr("builtins.open", refuse)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    hrefs = re.findall(r'<a href="([^"]+)">', page)
    assert hrefs == [
        "/atom.xml",
        "/feed.json",
        "/rss.xml",
        *[
            f"/category/{term}/{name}"
            for term in sorted(p.name for p in (site / "public" / "category").iterdir())
            for name in ("atom.xml", "feed.json", "rss.xml")
        ],
        "/archive/",
        "/category/",
    ]
    assert '<link rel="alternate" type="application/feed+json" href="/feed.json">' in page
    archive = client.get(f"/category/{term}/archive/{period}/").get_data(as_text=True)
    assert re.findall(r'<a href="([^"]+)">', archive) == [
        f"/category/{term}/archive/{period}/{name}" for name in ("atom.xml", "feed.json", "rss.xml")
    ]


def test_the_listing_never_names_a_link_leading_out(site: Path) -> None:
    term = _with_archive_pages(site)
    public = site / "public"
    (public / "category" / "leak").mkdir()
    os.symlink(site / "secret.xml", public / "category" / "leak" / "rss.xml")
    os.symlink(site, public / "elsewhere")
    os.symlink(site / "secret.xml", public / "category" / term / "archive" / "rss.xml")
    os.symlink(public / "rss.xml", public / "category" / "leak" / "atom.xml")  # inside: shown
    client = Client(wsgi_app(public))
    page = client.get("/").get_data(as_text=True)
    assert "/category/leak/atom.xml" in page
    assert "/category/leak/rss.xml" not in page
    assert "elsewhere" not in page
    inner = client.get(f"/category/{term}/archive/").get_data(as_text=True)
    assert "rss.xml" not in inner


def test_the_request_log_is_plain_off_a_terminal(
    server: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert _get(server, "/missing.xml")[0] == 404
    [line] = [record.getMessage() for record in caplog.records if "missing" in record.getMessage()]
    assert '"GET /missing.xml HTTP/1.1" 404' in line
    assert "\x1b" not in line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("environ", "stream", "colour"),
    [
        ({}, _Terminal(), True),
        ({"NO_COLOR": "1"}, _Terminal(), False),
        ({"NO_COLOR": ""}, _Terminal(), True),
        ({}, io.StringIO(), False),
    ],
    ids=["terminal", "NO_COLOR", "empty NO_COLOR", "file"],
)
def test_log_colour_only_on_a_terminal_without_no_color(
    environ: dict[str, str], stream: io.StringIO, colour: bool
) -> None:
    assert log_colour(environ, stream) is colour
