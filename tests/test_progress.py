"""Progress of a build: records read, then feeds written; on a terminal only, never in cron mail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

import feedpub.cli
from feedpub import build, load_config
from feedpub.cli import main
from feedpub.pipeline.read import FEEDS_WRITTEN, RECORDS_READ

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, done: int, total: int, what: str = RECORDS_READ, /) -> None:
        self.calls.append((what, done, total))


def run(site: Path, progress: Recorder) -> None:
    config = load_config(site / "feedpub.toml")
    build(
        site / "articles",
        site / "public",
        config,
        state_dir=site / ".feedpub",
        now=NOW,
        progress=progress,
    )


def test_a_cold_build_reports_records_read_then_each_feed_written(site: Path) -> None:
    progress = Recorder()
    run(site, progress)
    files = sum(1 for _ in (site / "articles").rglob("*.json*"))
    read = [c for c in progress.calls if c[0] == RECORDS_READ]
    written = [c for c in progress.calls if c[0] == FEEDS_WRITTEN]
    assert read[-1] == (RECORDS_READ, files, files)
    assert written == [(FEEDS_WRITTEN, n, 33) for n in range(1, 34)]  # 33 feeds, no pages
    assert progress.calls.index(read[-1]) < progress.calls.index(written[0])

    again = Recorder()
    run(site, again)
    assert again.calls == []  # nothing changed: nothing to report


def cli_build(site: Path) -> str:
    result = CliRunner().invoke(
        main,
        ["build", "-q", "--config", str(site / "feedpub.toml"), "--now", "2026-01-01T00:00:00Z"],
    )
    assert result.exit_code == 0, result.output
    return str(result.stderr)


@pytest.mark.parametrize("terminal", [True, False])
def test_bars_show_on_a_terminal_and_never_in_cron_mail(
    site: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    monkeypatch.setattr(feedpub.cli.building, "PROGRESS_MIN_FILES", 1)  # the sample is small
    # The runner's stderr stands in for a terminal, or for cron's pipe to its mail.
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda _: terminal)
    stderr = cli_build(site)
    assert (RECORDS_READ in stderr) is terminal
    assert (FEEDS_WRITTEN in stderr) is terminal
