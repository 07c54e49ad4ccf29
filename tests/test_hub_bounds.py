"""Hubs never hold a build: one deadline per request, one time bound for all hubs of a run,
announcing after the lock is released without losing what the next build owes, and a hub
owed for too long is loud even under ``-q``. The hubs here are sockets on 127.0.0.1 that
hang or drip their answer a byte at a time."""

from __future__ import annotations

import functools
import json
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedpub import BuildReport, build, load_config
from feedpub.cli import main
from feedpub.output.lock import build_lock
from feedpub.output.websub import PingPolicy, announce, notify_hub
from feedpub.state import BuildState, OwedHub, record_deliveries
from feedpub.version import __version__
from tests.test_websub import FEEDS, NOW, PROXY_VARIABLES, SEED, Hub, subscription_urls, with_hubs

#: Generous for a loaded CI core, far below what an unbounded hub costs (the slow hubs
#: here keep at it for 20 s at least).
SLACK = 3.0


class SlowHub:
    """A hub that accepts every connection and then hangs (``drip=None``) or sends an
    endless answer one byte every ``drip`` seconds, until stopped or ``give_up`` passes."""

    def __init__(self, drip: float | None = None, give_up: float = 20.0) -> None:
        self.drip = drip
        self.give_up = give_up
        self.connected = threading.Event()
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/hub"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1.0)
            try:
                conn.recv(65536)  # the request (small: one form field)
            except OSError:
                return
            self.connected.set()
            ends = time.monotonic() + self.give_up
            answer = b"HTTP/1.1 204 No Content\r\nX-Drip: " + b"a" * 1_000_000
            sent = 0
            while not self._stop.is_set() and time.monotonic() < ends:
                if self.drip is None:
                    self._stop.wait(0.05)
                    continue
                try:
                    conn.sendall(answer[sent : sent + 1])
                except OSError:
                    return  # the client hung up: what a bounded client does
                sent += 1
                self._stop.wait(self.drip)

    def stop(self) -> None:
        self._stop.set()
        self._accepting.join()
        self._listener.close()
        for thread in self._threads:
            thread.join()


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hanging(no_proxy: None) -> Iterator[SlowHub]:
    hub = SlowHub()
    yield hub
    hub.stop()


@pytest.fixture
def dripping(no_proxy: None) -> Iterator[SlowHub]:
    hub = SlowHub(drip=0.05)
    yield hub
    hub.stop()


@pytest.fixture
def hub(no_proxy: None) -> Iterator[Hub]:
    server = Hub()
    yield server
    server.stop()


def set_keys(site: Path, **keys: Any) -> None:
    """Put top-level ``keys`` at the head of the site's config."""
    config = site / "feedpub.toml"
    lines = "".join(f"{name} = {json.dumps(value)}\n" for name, value in keys.items())
    config.write_text(lines + config.read_text())


def run(site: Path, **options: Any) -> BuildReport:
    options.setdefault("now", NOW)
    options.setdefault("ping_policy", PingPolicy(timeout=10.0, attempts=2, backoff=0.0))
    return build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        **options,
    )


def owed(site: Path) -> dict[str, OwedHub]:
    config = load_config(site / "feedpub.toml")
    with BuildState(site / ".feedpub", __version__, config.records.fingerprint()) as state:
        return state.owed()


# -- one deadline per request -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["hanging", "dripping"])
def test_one_request_ends_at_its_deadline_however_the_hub_answers(
    kind: str, request: pytest.FixtureRequest
) -> None:
    slow: SlowHub = request.getfixturevalue(kind)
    started = time.monotonic()
    result = notify_hub(slow.url, [FEEDS + "rss.xml"], PingPolicy(timeout=0.5, attempts=1))
    elapsed = time.monotonic() - started
    # A read timeout alone never trips on a byte every 50 ms: the drip would run 20 s.
    assert elapsed < 0.5 + SLACK
    assert result.delivered == () and result.pending == (FEEDS + "rss.xml",)
    assert result.error == "no answer within 0.5s"


def test_all_hubs_together_stay_within_the_total_and_a_slow_one_takes_no_others_time(
    hanging: SlowHub, hub: Hub
) -> None:
    urls = [f"{FEEDS}{n}/rss.xml" for n in range(5)]
    started = time.monotonic()
    results = announce(
        {hanging.url: urls, hub.url: urls},
        PingPolicy(timeout=30.0, attempts=3, backoff=0.0),
        total=2.0,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 2.0 + SLACK
    slow, good = results
    assert slow.hub == hanging.url and slow.delivered == () and slow.pending == tuple(urls)
    # The request had what was left of the 2 s when it started: 2s, or a hair less on a busy
    # machine (seen: 1.99s).
    waited = re.fullmatch(
        r"no answer within ([\d.]+)s; out of time for the hubs \(hub_timeout\)", slow.error or ""
    )
    assert waited is not None and 1.5 <= float(waited[1]) <= 2.0, slow.error
    assert good.delivered == tuple(urls) and good.error is None
    assert hub.urls() == urls


def test_a_pause_that_would_pass_the_total_is_not_taken(hub: Hub) -> None:
    hub.statuses = [503] * 10
    pauses: list[float] = []
    (result,) = announce(
        {hub.url: [FEEDS + "rss.xml"]},
        PingPolicy(timeout=5.0, attempts=5, backoff=60.0, sleep=pauses.append),
        total=5.0,
    )
    assert pauses == [] and len(hub.requests) == 1
    assert result.error == "HTTP 503 Service Unavailable; out of time for the hubs (hub_timeout)"


def test_without_a_deadline_a_pause_longer_than_a_request_is_taken(hub: Hub) -> None:
    hub.statuses = [503]
    pauses: list[float] = []
    policy = PingPolicy(timeout=2.0, attempts=2, backoff=5.0, sleep=pauses.append)
    result = notify_hub(hub.url, [FEEDS + "rss.xml"], policy)
    assert result.delivered == (FEEDS + "rss.xml",) and pauses == [5.0]


# -- the lock is released before any hub is asked -----------------------------------------


@pytest.mark.parametrize("kind", ["hanging", "dripping"])
def test_the_next_build_takes_the_lock_while_a_slow_hub_is_still_asked(
    site: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    slow: SlowHub = request.getfixturevalue(kind)
    with_hubs(site, slow.url)
    set_keys(site, hub_timeout=2.0)
    first: list[BuildReport] = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: first.append(run(site)))
    worker.start()
    assert slow.connected.wait(30), "the first build never asked the hub"
    # The first build is waiting on the hub now, and its lock is free.
    with build_lock(site / ".feedpub", wait=0.0):
        assert worker.is_alive()
    second = run(site, wait=0.0, ping=False)  # a whole build, while the first still waits
    worker.join(30)
    elapsed = time.monotonic() - started
    assert second.unannounced == 33  # still owed: the first build has not told the hub
    (report,) = first
    assert report.exit_code == 0 and report.announced == 0 and report.unannounced == 33
    assert report.hub_seconds < 2.0 + SLACK
    assert elapsed < report.elapsed + SLACK
    (warning,) = report.warnings
    assert "33 changed feed(s) not announced (no answer within" in str(warning)
    assert owed(site)[slow.url].urls == tuple(subscription_urls(site))


def test_a_build_between_the_lock_and_the_delivery_loses_nothing(site: Path, hub: Hub) -> None:
    """The first build tells the hub of 33 feeds; while it does (its lock released), the next
    build changes 9 of them. The first one's delivery must not clear those 9: the hub may have
    read them before the change."""
    with_hubs(site, hub.url)
    between: list[BuildReport] = []
    failed: list[BaseException] = []

    def next_build() -> None:
        seed = site / SEED
        record = json.loads(seed.read_text())
        record["title"] = "Rakor Reformasi Birokrasi (diperbarui)"
        seed.write_text(json.dumps(record, ensure_ascii=False))
        try:
            between.append(run(site, wait=0.0, ping=False))
        except BaseException as exc:  # a LockedError here is the defect
            failed.append(exc)

    hub.before_answer = next_build
    first = run(site)
    assert failed == [] and len(between) == 1
    assert first.announced == 33 and first.unannounced == 0
    changed = sorted(
        f"{FEEDS}{folder}{name}"
        for folder in ("", "category/lampung/", "category/pemerintahan/")
        for name in ("atom.xml", "feed.json", "rss.xml")
    )
    assert owed(site) == {hub.url: OwedHub(tuple(changed), NOW.timestamp())}
    hub.requests.clear()
    third = run(site)
    assert third.announced == 9 and sorted(hub.urls()) == changed
    assert owed(site) == {}


def test_deliveries_clear_only_what_was_announced(tmp_path: Path) -> None:
    state_dir = tmp_path / ".feedpub"
    assert not record_deliveries(state_dir, {})  # no stored state: nothing created
    assert not state_dir.exists()
    with BuildState(state_dir, "1", "f") as state:
        state.owe_hubs(["https://a.example/", "https://b.example/"], FEEDS + "rss.xml", 100.0)
        state.owe_hubs(["https://a.example/"], FEEDS + "atom.xml", 200.0)
        taken = state.owed_urls()
    with BuildState(state_dir, "1", "f") as later:
        later.owe_hubs(["https://a.example/"], FEEDS + "rss.xml", 300.0)  # owed again
    assert record_deliveries(state_dir, taken)
    with BuildState(state_dir, "1", "f") as state:
        # rss.xml stays owed to a (owed again, since when it was first owed); all else is told.
        assert state.owed() == {"https://a.example/": OwedHub((FEEDS + "rss.xml",), 100.0)}


def test_a_busy_or_foreign_state_keeps_what_it_owes(tmp_path: Path) -> None:
    """A delivery that cannot be recorded leaves the feeds owed (told again, never lost)."""
    state_dir = tmp_path / ".feedpub"
    with BuildState(state_dir, "1", "f") as state:
        state.owe_hubs(["https://a.example/"], FEEDS + "rss.xml", 100.0)
        taken = state.owed_urls()
    writer = sqlite3.connect(state_dir / "index.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another build, in the middle of a write
    assert not record_deliveries(state_dir, taken, wait=0.05)
    writer.execute("ROLLBACK")
    writer.execute("UPDATE meta SET value = 'other' WHERE key = 'schema'")
    writer.close()
    assert not record_deliveries(state_dir, taken)
    writer = sqlite3.connect(state_dir / "index.sqlite3", isolation_level=None)
    assert writer.execute("SELECT hub, url FROM unannounced").fetchall() == [
        ("https://a.example/", FEEDS + "rss.xml")
    ]
    writer.close()


# -- a hub owed for too long is loud --------------------------------------------------------


def test_a_hub_failing_every_run_becomes_an_alert_even_under_quiet(
    site: Path, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One attempt per run, so that no run pauses (the CLI has no policy flag).
    monkeypatch.setattr(
        "feedpub.output.websub.PingPolicy", functools.partial(PingPolicy, attempts=1)
    )
    with_hubs(site, hub.url)
    hub.statuses = [500] * 100
    config = str(site / "feedpub.toml")
    runner = CliRunner()

    def quiet_build(at: datetime, *flags: str) -> Any:
        args = ["build", "--config", config, f"--now={at.isoformat()}", "-q"]
        return runner.invoke(main, [*args, *flags])

    first = quiet_build(NOW)
    assert first.exit_code == 0 and first.stderr == ""  # a hub down for a moment: quiet
    assert quiet_build(NOW + timedelta(minutes=59)).stderr == ""
    later = quiet_build(NOW + timedelta(hours=2))
    assert later.exit_code == 0
    assert later.stderr == (
        f"{hub.url}: websub: warning: 33 feed(s) not announced since 2026-01-01 00:00 UTC "
        "(2 h; hub_warn_after is 60 min): HTTP 500 Internal Server Error; "
        "the next build tries again\n"
    )
    summary = json.loads(quiet_build(NOW + timedelta(hours=3), "--json").stdout)
    assert summary["alerts"] == [later.stderr.replace("2 h;", "3 h;").rstrip("\n")]
    assert summary["hubs"] == [
        {
            "hub": hub.url,
            "announced": 0,
            "owed": 33,
            "owed_since": "2026-01-01T00:00:00Z",
            "error": "HTTP 500 Internal Server Error",
        }
    ]
    assert summary["exit_code"] == 0 and summary["feeds_unannounced"] == 33
    hub.statuses = []
    assert quiet_build(NOW + timedelta(hours=4)).stderr == ""
    assert owed(site) == {}


def test_a_hub_left_out_of_the_config_is_owed_nothing(site: Path) -> None:
    with_hubs(site, "https://gone.example/")
    run(site, ping=False)
    assert set(owed(site)) == {"https://gone.example/"}
    config = site / "feedpub.toml"
    config.write_text(config.read_text().replace('hubs = ["https://gone.example/"]\n', ""))
    run(site, ping=False)
    assert owed(site) == {}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("hub_timeout=0", "hub_timeout: must be more than 0 and at most 3600 seconds, not 0.0"),
        ("hub_warn_after=-1", "hub_warn_after: must be 0 or more seconds, not -1.0"),
    ],
)
def test_hub_bounds_are_checked(site: Path, setting: str, message: str) -> None:
    result = CliRunner().invoke(
        main, ["build", "--config", str(site / "feedpub.toml"), "--set", setting]
    )
    assert result.exit_code == 2
    assert message in result.stderr


def test_now_is_the_builds_clock_for_owed_since(site: Path) -> None:
    with_hubs(site, "https://hub.example/")
    later = datetime(2026, 3, 1, 12, tzinfo=UTC)
    run(site, now=later, ping=False)
    assert owed(site)["https://hub.example/"].since == later.timestamp()
