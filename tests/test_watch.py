"""``feedpub watch``: a build at start, then one per burst of changes (file events, PostgreSQL's
NOTIFY), at the next embargo and on the periodic check; the lock held for its life; a clean
stop on SIGTERM; its mark for ``feedpub status``.

Nothing here sleeps a fixed time to let something happen: each test waits on a condition with a
generous timeout. The clock the builds read is injected (a fixed start that runs on).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from feedpub import resolve_run
from feedpub.cli import main
from feedpub.errors import LockedError
from feedpub.output.publish import TEMP_PREFIX
from feedpub.records.changes import is_record_change, notify_trigger, open_changes
from feedpub.records.postgres import site_lock_key
from feedpub.records.source import open_source
from feedpub.state.watcher import WATCHER_FILE, read_mark
from feedpub.status import next_embargo, read_status
from feedpub.watch import Watcher, WatchSettings
from tests.conftest import ROOT, SAMPLE_ARTICLES, SAMPLE_CONFIG, TEST_CLOCK, TEST_POSTGRES
from tests.pg_records import create_table, sample_records, site_config, upsert

TIMEOUT = 60.0
NOW = "2030-01-01T00:00:00Z"


def wait_for(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll ``condition`` until it is truthy (return it); fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.02)


def running_clock(start: datetime = TEST_CLOCK) -> Callable[[], datetime]:
    """``start``, then running on at the monotonic clock's pace."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def story(name: str, published: str = "2029-12-31T12:00:00Z", **fields: Any) -> dict[str, Any]:
    return {
        "id": name,
        "title": f"Story {name}",
        "url": f"/watch/{name}/",
        "date_published": published,
        "categories": ["Watch"],
        "content_text": f"The body of {name}.",
    } | fields


def save(site: Path, name: str, **fields: Any) -> None:
    """Save a record as an editor does: a hidden temporary file renamed into place."""
    folder = site / "articles" / "watch"
    folder.mkdir(exist_ok=True)
    temp = folder / f".{name}.json.tmp"
    temp.write_text(json.dumps(story(name, **fields)), encoding="utf-8")
    temp.rename(folder / f"{name}.json")


def published(site: Path, name: str) -> bool:
    try:
        return f"/watch/{name}/" in (site / "public" / "rss.xml").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False


@dataclass
class Log:
    """What a watcher reported: each build's reason, and every note."""

    builds: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self, report: Any, why: str, moment: datetime) -> None:
        self.builds.append(why)

    def error(self, error: Any, why: str, moment: datetime) -> None:
        self.builds.append(f"{why}: failed: {error}")


@contextmanager
def watching(
    run: Any, settings: WatchSettings | None = None, **changes: Any
) -> Iterator[tuple[Watcher, Log]]:
    """A watcher of ``run`` in a thread, stopped (and joined) when the block ends."""
    log = Log()
    stop = threading.Event()
    with open_changes(
        run.articles_dir,
        run.state_dir,
        run.config.source,
        run.config.records,
        log=log.notes.append,
        **changes,
    ) as source:
        watcher = Watcher(
            run,
            source,
            running_clock(),
            stop,
            settings or WatchSettings(ping=False),
            on_report=log.report,
            on_error=log.error,
        )
        thread = threading.Thread(target=watcher.watch, daemon=True)
        thread.start()
        try:
            wait_for(lambda: log.builds, "the first build")
            yield watcher, log
        finally:
            stop.set()
            thread.join(TIMEOUT)
            assert not thread.is_alive(), (log.builds, log.notes)


def test_a_saved_story_is_published_and_the_lock_is_held_meanwhile(site: Path) -> None:
    run = resolve_run(site / "feedpub.toml")
    built = CliRunner().invoke(main, ["build", "-q", "--config", str(run.config_path)])
    assert built.exit_code == 0
    leftover = site / "public" / f"{TEMP_PREFIX}99999-killed"  # a writer killed mid-write
    leftover.write_bytes(b"<rss")
    with watching(run) as (_, log):
        wait_for(lambda: not leftover.exists(), "the killed writer's file cleared")
        assert log.builds == ["start"]
        mark = read_mark(run.state_dir)
        assert mark is not None and mark.pid == os.getpid() and mark.source == "folder"
        result = CliRunner().invoke(main, ["build", "--config", str(site / "feedpub.toml")])
        assert result.exit_code == 75, result.output
        save(site, "first")
        wait_for(lambda: published(site, "first"), "the saved story in rss.xml")
        wait_for(lambda: len(log.builds) > 1, "the build's report")
        assert log.builds[1] == "change"
        found = read_status(run.state_dir, TEST_CLOCK)
        assert found.watching and found.summary()["watcher"]["alive"] is True  # type: ignore[index]
        assert any(line.startswith("watcher:      running, pid") for line in found.lines())
    assert read_mark(run.state_dir) is None  # a clean stop removes the mark
    assert not (run.state_dir / WATCHER_FILE).exists()
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(site / "feedpub.toml")])
    assert result.exit_code == 0, result.output


class Burst:
    """A change source saying "changed" ``count`` times in a row, then nothing: a burst."""

    kind = "folder"
    ready = True

    def __init__(self, count: int) -> None:
        self.left = count
        self.quiet = threading.Event()

    def lend(self) -> nullcontext[bool]:
        return nullcontext(True)  # held for the test's whole life, as a folder's flock

    def take(self) -> None:
        return None  # no paths named: each build walks the folder

    def wait(self, timeout: float) -> bool:
        if self.left > 0:
            self.left -= 1
            return True
        self.quiet.set()
        time.sleep(min(timeout, 0.01))
        return False


def test_a_burst_of_changes_is_one_build_and_the_embargo_wakes_it(site: Path) -> None:
    save(site, "later", published="2030-01-01T00:00:04Z")  # due 4s after the clock starts
    run = resolve_run(site / "feedpub.toml")
    changes = Burst(40)
    log = Log()
    stop = threading.Event()
    watcher = Watcher(
        run,
        changes,
        running_clock(),
        stop,
        # quiet 0: each "changed" within the settle window keeps it going; 40 fit in it.
        WatchSettings(quiet=0.0, ping=False),
        on_report=log.report,
        on_error=log.error,
    )
    thread = threading.Thread(target=watcher.watch, daemon=True)
    thread.start()
    try:
        wait_for(lambda: published(site, "later"), "the embargoed story once due")
        due = next_embargo(run.state_dir)
        assert due is None  # nothing else is withheld
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert changes.quiet.is_set()
    assert log.builds[:3] == ["start", "change", "scheduled"]


def test_the_periodic_check_catches_what_no_event_said(site: Path) -> None:
    run = resolve_run(site / "feedpub.toml")

    class Deaf:
        kind = "folder"
        ready = True

        def lend(self) -> nullcontext[bool]:
            return nullcontext(True)

        def take(self) -> None:
            return None

        def wait(self, timeout: float) -> bool:
            time.sleep(timeout)
            return False

    log = Log()
    stop = threading.Event()
    watcher = Watcher(
        run,
        Deaf(),
        running_clock(),
        stop,
        WatchSettings(recheck=0.3, ping=False),
        on_report=log.report,
    )
    thread = threading.Thread(target=watcher.watch, daemon=True)
    thread.start()
    try:
        wait_for(lambda: log.builds, "the first build")
        save(site, "unheard")
        wait_for(lambda: published(site, "unheard"), "the periodic check to publish it")
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert "recheck" in log.builds and "change" not in log.builds


def test_a_second_watcher_is_locked_out(site: Path) -> None:
    run = resolve_run(site / "feedpub.toml")
    with (
        watching(run),
        pytest.raises(LockedError),
        open_changes(run.articles_dir, run.state_dir, None, run.config.records),
    ):
        pass


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("a/2024/story.json", True),
        ("a/2024/batch.jsonl", True),
        ("a/2024", True),  # a folder moved in or out
        ("a/2024/.story.json.tmp", False),
        ("a/.git/index", False),
        ("a/2024/story.json~", False),
        ("a/notes.md", False),
        ("elsewhere/story.json", False),
    ],
)
def test_which_events_may_touch_a_record(path: str, wanted: bool) -> None:
    assert is_record_change(Path("/s/a"), "/s/" + path) is wanted


# -- the command, in a process of its own ----------------------------------------------------


class WatchProcess:
    """``feedpub watch`` in a subprocess, its stderr gathered by a thread."""

    def __init__(self, site: Path, *args: str) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("FEEDPUB_")}
        environ["FEEDPUB_NOW"] = NOW
        self.process = subprocess.Popen(
            [sys.executable, "-m", "feedpub", "watch", "--no-ping", *args],
            cwd=site,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=environ | {"PYTHONPATH": str(ROOT)},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(TIMEOUT)
        self._reader.join(TIMEOUT)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)
        if self.process.stderr is not None:
            self.process.stderr.close()


def _many_records(site: Path, count: int) -> None:
    folder = site / "articles" / "many"
    folder.mkdir()
    for number in range(count):
        record = story(f"many-{number}", published=f"2029-{number % 12 + 1:02d}-01T00:00:00Z")
        record["content_text"] = "Paragraph of the story. " * 40
        (folder / f"{number}.json").write_text(json.dumps(record), encoding="utf-8")


def test_sigterm_mid_build_finishes_it_and_leaves_no_temporary_file(site: Path) -> None:
    _many_records(site, 3000)  # a cold build of seconds: the signal lands in it
    watch = WatchProcess(site)
    try:
        wait_for(lambda: watch.said("watching folder"), "the watcher to start")
        wait_for(lambda: (site / ".feedpub" / "history.sqlite3").exists(), "the build to start")
        code = watch.stop()
    finally:
        watch.close()
    output = "".join(watch.lines)
    assert code == 0, output
    assert "SIGTERM: stopping" in output and "start: 3016 records read" in output, output
    assert not [p for p in site.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    assert not (site / ".feedpub" / WATCHER_FILE).exists()
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(site / "feedpub.toml")])
    assert result.exit_code == 0, result.output


def test_a_second_sigterm_abandons_the_build_and_leaves_no_temporary_file(site: Path) -> None:
    _many_records(site, 3000)
    watch = WatchProcess(site)
    try:
        wait_for(lambda: watch.said("watching folder"), "the watcher to start")
        wait_for(lambda: (site / ".feedpub" / "history.sqlite3").exists(), "the build to start")
        watch.process.send_signal(signal.SIGTERM)
        wait_for(lambda: watch.said("SIGTERM: stopping"), "the first signal heard")
        code = watch.stop()
    finally:
        watch.close()
    output = "".join(watch.lines)
    assert code == 130, output
    assert "the build under way was abandoned" in output and "start: " not in output, output
    assert "Traceback" not in output, output
    assert not [p for p in site.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    assert not (site / ".feedpub" / WATCHER_FILE).exists()
    status = CliRunner().invoke(main, ["status", "--json", "--config", str(site / "feedpub.toml")])
    assert json.loads(status.stdout)["last_run"]["outcome"] == "interrupted"
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(site / "feedpub.toml")])
    assert result.exit_code == 0, result.output


def test_a_checkpoint_that_raises_abandons_the_build_between_documents(site: Path) -> None:
    """The second signal's backstop: its KeyboardInterrupt may land where Python swallows it,
    so the CLI's checkpoint raises it again at the build's next record or document."""
    run = resolve_run(site / "feedpub.toml")
    calls: list[int] = []

    def checkpoint() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with open_changes(run.articles_dir, run.state_dir, None, run.config.records) as source:
        watcher = Watcher(
            run,
            source,
            running_clock(),
            threading.Event(),
            WatchSettings(ping=False),
            checkpoint=checkpoint,
        )
        with pytest.raises(KeyboardInterrupt):
            watcher.watch()
    assert len(calls) == 3
    assert not [p for p in site.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    assert not (site / ".feedpub" / WATCHER_FILE).exists()
    summary = read_status(run.state_dir, TEST_CLOCK).summary()
    assert summary["last_run"]["outcome"] == "interrupted"  # type: ignore[index]


def test_cron_exits_75_while_watch_runs_and_takes_over_when_it_dies(site: Path) -> None:
    config = str(site / "feedpub.toml")
    metrics = site / "watch.prom"
    watch = WatchProcess(site, "--metrics-file", str(metrics))
    try:
        wait_for(lambda: watch.said("start: "), "the first build")
        save(site, "from-the-editor")
        wait_for(lambda: published(site, "from-the-editor"), "the saved story in rss.xml")
        cron = CliRunner().invoke(main, ["build", "-q", "--config", config, "--now", NOW])
        assert cron.exit_code == 75
        status = CliRunner().invoke(main, ["status", "--json", "--config", config, "--now", NOW])
        assert json.loads(status.stdout)["watcher"]["alive"] is True
        up = wait_for(lambda: _gauge(metrics, "feedpub_watcher_up"), "the metrics file")
        assert up == 1.0
        assert watch.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        watch.close()
    status = CliRunner().invoke(main, ["status", "--json", "--config", config, "--now", NOW])
    assert json.loads(status.stdout)["watcher"]["alive"] is False  # its pid is gone
    cron = CliRunner().invoke(main, ["build", "-q", "--config", config, "--now", NOW])
    assert cron.exit_code == 0, cron.output


def _gauge(path: Path, name: str) -> float | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    return None


def test_print_trigger_needs_a_database_source(site: Path) -> None:
    result = CliRunner().invoke(
        main, ["watch", "--print-trigger", "--config", str(site / "feedpub.toml")]
    )
    assert result.exit_code == 2
    assert "--print-trigger: the records are files here" in result.stderr


# -- PostgreSQL ------------------------------------------------------------------------------


def _pg_site(tmp_path: Path, postgres: tuple[Any, str]) -> tuple[Any, str, Path]:
    db, schema = postgres
    table = f"{schema}.articles"
    section = f'[source]\nurl = "{TEST_POSTGRES}"\ntable = "{table}"\n'
    link = f"https://{schema.replace('_', '-')}.example/"
    config = site_config(tmp_path, section, SAMPLE_CONFIG, link=link)
    create_table(db, table)
    for version, record in enumerate(sample_records(SAMPLE_ARTICLES), 1):
        upsert(db, table, record, version)
    return db, table, config


def _row_published(tmp_path: Path, name: str) -> bool:
    return published(tmp_path, name)


@pytest.mark.postgres
def test_rows_committed_are_published_and_a_lost_connection_is_caught_up(
    tmp_path: Path, postgres: Any
) -> None:
    db, table, config = _pg_site(tmp_path, postgres)
    result = CliRunner().invoke(main, ["watch", "--print-trigger", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout == notify_trigger(resolve_run(config).config.source)  # type: ignore[arg-type]
    db.execute(result.stdout)
    run = resolve_run(config)
    with watching(run) as (_, log):
        cron = CliRunner().invoke(main, ["build", "-q", "--config", str(config), "--now", NOW])
        assert cron.exit_code == 75  # the advisory lock, held by the listening session
        upsert(db, table, story("row-one"), 1000)
        wait_for(lambda: _row_published(tmp_path, "row-one"), "the committed row in rss.xml")
        wait_for(lambda: len(log.builds) > 1, "the build's report")
        assert log.builds[1] == "change"
        # The server ends the listener's session, as a restart would: the lock goes with it.
        (ended,) = db.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'feedpub watch' AND datname = current_database()"
        ).fetchone()
        assert ended == 1
        upsert(db, table, story("row-two"), 1001)
        wait_for(lambda: _row_published(tmp_path, "row-two"), "the row committed meanwhile")
        assert any("lost the connection" in note for note in log.notes), log.notes
        assert any("reconnected" in note for note in log.notes), log.notes
        # The catch-up build reported: its lock is back with the listener (a cron build could
        # take it in the moment between a build's end and then, and would run alone).
        wait_for(lambda: len(log.builds) > 2, "the catch-up build's report")
        cron = CliRunner().invoke(main, ["build", "-q", "--config", str(config), "--now", NOW])
        assert cron.exit_code == 75  # the lock is held again
    cron = CliRunner().invoke(main, ["build", "-q", "--config", str(config), "--now", NOW])
    assert cron.exit_code == 0, cron.output


def _lock_free(db: Any, key: int) -> bool:
    """Whether a third session could take the site's advisory lock now (released at once)."""
    (taken,) = db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    if taken:
        db.execute("SELECT pg_advisory_unlock(%s)", (key,))
    return bool(taken)


@pytest.mark.postgres
def test_a_build_holds_the_lock_on_its_own_session_so_a_broken_listener_frees_nothing(
    tmp_path: Path, postgres: Any
) -> None:
    """The listener lends the lock to each build: terminating the listening backend mid-build
    (a restart, an operator) must not let a cron build start beside it."""
    db, _, config = _pg_site(tmp_path, postgres)
    run = resolve_run(config)
    settings = run.config.source
    assert settings is not None
    key = site_lock_key(run.config.records.link)
    with (
        open_source(run.articles_dir, settings, run.config.records) as source,
        open_changes(run.articles_dir, run.state_dir, settings, run.config.records) as changes,
    ):
        assert changes.ready and not _lock_free(db, key)
        with changes.lend() as held:
            assert held is False and not changes.ready
            with source.lock(run.state_dir, 0.0):  # what the build takes
                (ended,) = db.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'feedpub watch'"
                    " AND datname = current_database()"
                ).fetchone()
                assert ended == 1
                assert not _lock_free(db, key)  # still the build's
            assert _lock_free(db, key)
        # The listener's session is gone: not ready until it is back, with the lock.
        assert not changes.ready
        wait_for(lambda: changes.wait(0.5) or changes.ready, "the listener back")
        assert changes.ready and not _lock_free(db, key)
        # Lent and given back whole: the listener holds it again.
        with changes.lend():
            assert _lock_free(db, key)
        assert changes.ready and not _lock_free(db, key)
    # Closed: the server ends the sessions (and frees their locks) a moment later.
    wait_for(lambda: _lock_free(db, key), "the lock freed with the sessions")


def test_the_readme_shows_the_trigger_watch_prints() -> None:
    from feedpub.records.postgres_settings import PostgresSettings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```sql\n", 1)[1].split("```", 1)[0]
    assert shown == notify_trigger(PostgresSettings(url="postgresql://db.example/news"))


def test_an_embargo_a_failed_build_left_due_is_not_retried_in_a_loop(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.watch
    from feedpub.errors import PublishError

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise PublishError(str(site / "public"), "No space left on device")

    # The state still names an entry due before the failed build's clock.
    monkeypatch.setattr(feedpub.watch, "build_site", failing)
    monkeypatch.setattr(feedpub.watch, "next_embargo", lambda _: TEST_CLOCK)
    run = resolve_run(site / "feedpub.toml")
    log = Log()
    stop = threading.Event()
    changes = Burst(0)
    watcher = Watcher(run, changes, running_clock(), stop, on_error=log.error)
    thread = threading.Thread(target=watcher.watch, daemon=True)
    thread.start()
    try:
        wait_for(lambda: changes.quiet.is_set(), "the watcher to wait after its first build")
        wait_for(lambda: watcher.builds >= 1 and len(log.builds) == 1, "the failed build")
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # a second of waiting: no build may come of it
            assert watcher.builds == 1, log.builds
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert log.builds == [
        "start: failed: " + str(PublishError(str(site / "public"), "No space left on device"))
    ]


class Told:
    """A change source that says "changed" once each time the test sets ``said`` (or calls
    :meth:`tell`), naming the files in ``named`` (``None``: it cannot say which)."""

    kind = "folder"
    ready = True

    def __init__(self) -> None:
        self.said = threading.Event()
        self.named: frozenset[str] | None = None
        self.taken: list[frozenset[str] | None] = []

    def tell(self, *paths: str) -> None:
        self.named = frozenset(paths)
        self.said.set()

    def lend(self) -> nullcontext[bool]:
        return nullcontext(True)

    def take(self) -> frozenset[str] | None:
        named, self.named = self.named, None
        self.taken.append(named)
        return named

    def wait(self, timeout: float) -> bool:
        if self.said.is_set():
            self.said.clear()
            return True
        time.sleep(min(timeout, 0.01))
        return False


def test_a_change_s_build_trusts_what_it_does_not_write_and_the_recheck_restores_it(
    site: Path,
) -> None:
    """A build for a change looks only at the documents it writes (its cost follows the
    change): a document deleted under the watcher and untouched by the change stays deleted;
    the periodic recheck, which looks at everything, writes it again."""
    run = resolve_run(site / "feedpub.toml")
    gone = site / "public" / "category" / "kesehatan" / "rss.xml"
    changes = Told()
    log = Log()
    stop = threading.Event()
    settings = WatchSettings(quiet=0.0, recheck=3600.0, ping=False)
    watcher = Watcher(run, changes, running_clock(), stop, settings, on_report=log.report)
    thread = threading.Thread(target=watcher.watch, daemon=True)
    thread.start()
    try:
        wait_for(lambda: log.builds, "the first build")
        gone.unlink()
        save(site, "sport", categories=["Olahraga"])
        changes.said.set()
        wait_for(lambda: published(site, "sport"), "the saved story in rss.xml")
        wait_for(lambda: len(log.builds) > 1, "the change's report")
        assert log.builds == ["start", "change"]
        assert not gone.exists()  # not looked at: the change did not touch it
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()
    log = Log()
    stop = threading.Event()
    settings = WatchSettings(recheck=0.3, ping=False)
    watcher = Watcher(run, Told(), running_clock(), stop, settings, on_report=log.report)
    thread = threading.Thread(target=watcher.watch, daemon=True)
    thread.start()
    try:
        wait_for(lambda: log.builds, "the first build")
        assert gone.exists()  # the start looks at every document
        gone.unlink()
        # Only rechecks run now (nothing says "changed"); one writes it, then reports.
        wait_for(
            lambda: gone.exists() and "recheck" in log.builds,
            "the recheck to write the deleted document again",
        )
        assert "change" not in log.builds
    finally:
        stop.set()
        thread.join(TIMEOUT)


def test_a_paranoid_watcher_asks_its_builds_to_validate_every_document_whole(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.watch as watching

    run = resolve_run(site / "feedpub.toml")
    stop = threading.Event()
    asked: list[object] = []
    real = watching.build_site

    def spying(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs.get("paranoid"))
        stop.set()  # one build is enough
        return real(*args, **kwargs)

    monkeypatch.setattr(watching, "build_site", spying)
    settings = WatchSettings(paranoid=True, ping=False)
    with open_changes(run.articles_dir, run.state_dir, None, run.config.records) as source:
        Watcher(run, source, running_clock(), stop, settings).watch()
    assert asked == [True]
    help_text = CliRunner().invoke(main, ["watch", "--help"]).stdout
    assert "--paranoid" in help_text and "FEEDPUB_PARANOID" in help_text
