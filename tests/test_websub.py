"""WebSub: hub links in every subscription document, and a small hub on 127.0.0.1 that
records what each build tells it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from lxml import etree

from feedpub import BuildReport, build, load_config
from feedpub.cli import main
from feedpub.errors import PublishError
from feedpub.output.websub import PingPolicy

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")
SEED = "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
FEEDS = "https://altumnews.com/feeds/"


class Hub(ThreadingHTTPServer):
    """Records every publish request; answers with ``statuses`` in turn, then 204."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _HubHandler)
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        #: Called once, before the first answer (the build asking is then waiting on it).
        self.before_answer: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hub"

    def urls(self) -> list[str]:
        """The hub.url of every accepted request, in order."""
        return [r["form"]["hub.url"][0] for r in self.requests if r["status"] < 300]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


class _HubHandler(BaseHTTPRequestHandler):
    server: Hub

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        hook, self.server.before_answer = self.server.before_answer, None
        if hook is not None:
            hook()
        status = self.server.statuses.pop(0) if self.server.statuses else 204
        self.server.requests.append(
            {
                "path": self.path,
                "type": self.headers["Content-Type"],
                "form": parse_qs(body.decode("ascii")),
                "status": status,
            }
        )
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    server = Hub()
    yield server
    server.stop()


def with_hubs(site: Path, *hubs: str) -> None:
    """Add ``hubs`` to the site's config (first: later keys would land in its last table)."""
    config = site / "feedpub.toml"
    config.write_text(f"hubs = {json.dumps(list(hubs))}\n" + config.read_text())


FAST = PingPolicy(timeout=2.0, attempts=2, backoff=0.0)


def run(site: Path, **options: Any) -> BuildReport:
    options.setdefault("now", NOW)
    options.setdefault("ping_policy", FAST)
    return build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        **options,
    )


def subscription_urls(site: Path) -> list[str]:
    """Every subscription document published (archive pages and the pages for people are
    never announced)."""
    out = site / "public"
    return sorted(
        FEEDS + p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file()
        and "archive" not in p.relative_to(out).parts
        and not p.name.startswith(".")  # the owner marker is no document
        and p.name != "index.html"  # a page for people: no feed, no hub
    )


def test_every_subscription_document_names_its_hubs(site: Path) -> None:
    with_hubs(site, "https://hub.example/", "https://pubsubhubbub.appspot.com/")
    report = run(site, ping=False)
    assert report.exit_code == 0, [str(e) for e in report.errors]
    atom = "{http://www.w3.org/2005/Atom}"
    for folder in ("", "category/lampung/"):
        rss = etree.parse(str(site / "public" / folder / "rss.xml")).getroot()
        links = rss.findall(f"channel/{atom}link")
        assert [(link.get("rel"), link.get("href")) for link in links] == [
            ("self", f"{FEEDS}{folder}rss.xml"),
            ("hub", "https://hub.example/"),
            ("hub", "https://pubsubhubbub.appspot.com/"),
        ]
        feed = etree.parse(str(site / "public" / folder / "atom.xml")).getroot()
        hubs = [link.get("href") for link in feed.findall(f"{atom}link[@rel='hub']")]
        assert hubs == ["https://hub.example/", "https://pubsubhubbub.appspot.com/"]
        assert feed.find(f"{atom}link[@rel='self']").get("href") == f"{FEEDS}{folder}atom.xml"
        document = json.loads((site / "public" / folder / "feed.json").read_bytes())
        assert document["hubs"] == [
            {"type": "WebSub", "url": "https://hub.example/"},
            {"type": "WebSub", "url": "https://pubsubhubbub.appspot.com/"},
        ]


def test_no_hubs_no_links(site: Path) -> None:
    run(site)
    assert b'rel="hub"' not in (site / "public/rss.xml").read_bytes()
    assert "hubs" not in json.loads((site / "public/feed.json").read_bytes())


def test_changed_feeds_are_announced_and_a_quiet_build_announces_nothing(
    site: Path, hub: Hub
) -> None:
    with_hubs(site, hub.url)
    first = run(site)
    assert first.exit_code == 0 and not first.warnings
    assert sorted(hub.urls()) == subscription_urls(site)
    assert len(hub.urls()) == 33 and first.announced == 33 and first.unannounced == 0
    request = hub.requests[0]
    assert request["path"] == "/hub"
    assert request["type"] == "application/x-www-form-urlencoded"
    assert request["form"]["hub.mode"] == ["publish"]

    hub.requests.clear()
    assert run(site).announced == 0
    assert hub.requests == []

    seed = site / SEED
    record = json.loads(seed.read_text())
    record["title"] = "Rakor Reformasi Birokrasi (diperbarui)"
    seed.write_text(json.dumps(record, ensure_ascii=False))
    run(site)
    assert sorted(hub.urls()) == sorted(
        f"{FEEDS}{folder}{name}"
        for folder in ("", "category/lampung/", "category/pemerintahan/")
        for name in ("atom.xml", "feed.json", "rss.xml")
    )


def test_a_removed_feed_is_announced(site: Path, hub: Hub) -> None:
    with_hubs(site, hub.url)
    run(site)
    hub.requests.clear()
    # The only Olahraga story: its category loses its feeds.
    (site / "articles/2023/09/atlet-dayung-lampung-raih-emas-di-jayapura.json").unlink()
    report = run(site)
    removed = {o.path for o in report.feeds if o.action == "removed"}
    gone = {f"category/olahraga/{name}" for name in ("atom.xml", "feed.json", "rss.xml")}
    assert gone <= removed
    assert {FEEDS + path for path in gone} <= set(hub.urls())
    assert not [url for url in hub.urls() if "/archive/" in url]  # pages are never announced


def test_an_error_answer_is_a_warning_and_the_next_run_delivers(site: Path, hub: Hub) -> None:
    with_hubs(site, hub.url)
    hub.statuses = [503, 503]  # both attempts at the first feed
    first = run(site)
    assert first.exit_code == 0
    assert first.announced == 0 and first.unannounced == 33
    assert [str(w) for w in first.warnings] == [
        f"{hub.url}: websub: warning: 33 changed feed(s) not announced "
        "(HTTP 503 Service Unavailable); the next build announces them"
    ]
    assert (site / "public/rss.xml").is_file()  # the feeds are published all the same
    hub.requests.clear()
    second = run(site)  # nothing changed, but the hub is owed 33 feeds
    assert second.exit_code == 0 and not second.warnings
    assert sorted(hub.urls()) == subscription_urls(site)
    hub.requests.clear()
    assert run(site).announced == 0 and hub.requests == []


def test_a_hub_that_is_down_is_told_by_the_next_run(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    hub = Hub()
    port = hub.server_address[1]
    url = hub.url
    hub.stop()  # nothing listens there now
    with_hubs(site, url)
    first = run(site)
    assert first.exit_code == 0 and first.unannounced == 33
    (warning,) = first.warnings
    assert str(warning).startswith(f"{url}: websub: warning: 33 changed feed(s) not announced")
    assert "cannot connect" in str(warning)
    back = Hub(port)
    try:
        second = run(site)
        assert not second.warnings and second.announced == 33
        assert sorted(back.urls()) == subscription_urls(site)
    finally:
        back.stop()


def test_one_retry_after_a_pause_delivers(site: Path, hub: Hub) -> None:
    with_hubs(site, hub.url)
    pauses: list[float] = []
    hub.statuses = [502]
    report = run(
        site, ping_policy=PingPolicy(timeout=2.0, attempts=3, backoff=0.25, sleep=pauses.append)
    )
    assert report.announced == 33 and not report.warnings
    assert pauses == [0.25]
    assert len(hub.requests) == 34


def test_no_ping_dry_run_and_strict_failure_never_ping(site: Path, hub: Hub) -> None:
    with_hubs(site, hub.url)
    runner = CliRunner()
    config = str(site / "feedpub.toml")
    now = "--now=2026-01-01T00:00:00+00:00"
    result = runner.invoke(main, ["build", "--config", config, now, "--dry-run"])
    assert result.exit_code == 0 and hub.requests == []
    result = runner.invoke(main, ["build", "--config", config, now, "--no-ping", "--json"])
    assert result.exit_code == 0 and hub.requests == []
    assert json.loads(result.stdout)["feeds_unannounced"] == 33
    (site / "articles/rusak.json").write_text('{"title": "Rusak"}')
    result = runner.invoke(main, ["build", "--config", config, now, "--strict"])
    assert result.exit_code == 1 and hub.requests == []
    (site / "articles/rusak.json").unlink()
    # The first run that pings tells the hub everything the others only remembered.
    result = runner.invoke(main, ["build", "--config", config, now, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["feeds_announced"] == 33
    assert sorted(hub.urls()) == subscription_urls(site)


def test_a_refusing_hub_keeps_the_exit_code(site: Path, hub: Hub) -> None:
    with_hubs(site, hub.url)
    hub.statuses = [400]  # final at once: no retry, no pause
    result = CliRunner().invoke(
        main, ["build", "--config", str(site / "feedpub.toml"), "--now=2026-01-01T00:00:00Z"]
    )
    assert result.exit_code == 0
    assert (
        f"{hub.url}: websub: warning: 33 changed feed(s) not announced (HTTP 400" in result.stderr
    )
    assert len(hub.requests) == 1


def test_feeds_written_before_a_failed_write_are_announced_by_the_next_run(
    site: Path, hub: Hub
) -> None:
    with_hubs(site, hub.url)
    (site / "public/rss.xml").mkdir(parents=True)  # a folder where the site's feed must go
    with pytest.raises(PublishError):
        run(site)
    assert hub.requests == []  # a failed build announces nothing...
    # though it wrote what comes before the site's feed (archive pages, category feeds)
    assert (site / "public/category/lampung/rss.xml").is_file()
    (site / "public/rss.xml").rmdir()
    report = run(site)
    # ...and the next one everything, also the files the failed one wrote and this one kept.
    assert report.announced == 33
    assert sorted(hub.urls()) == subscription_urls(site)
