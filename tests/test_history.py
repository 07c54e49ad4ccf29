"""The build history: each build's start, end, outcome and numbers, its failing streaks."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.errors import StateError
from feedpub.site import build_site, resolve_run
from feedpub.state.history import HISTORY_FILE, KEEP_RUNS, BuildRecord, History, read_history


def finished(outcome: str, started: float, signature: str | None = None) -> BuildRecord:
    return BuildRecord(0, started, started + 1, outcome, 1, "boom", signature)


def test_same_failure_keeps_its_streak_and_a_new_one_starts_another(tmp_path: Path) -> None:
    with History(tmp_path) as history:
        history.finish(history.begin(0), finished("ok", 0))
        first = history.finish(history.begin(10), finished("failed", 10, "a"))
        second = history.finish(history.begin(20), finished("failed", 20, "a"))
        history.finish(None, finished("locked-out", 25))  # no break in the streak
        third = history.finish(history.begin(30), finished("failed", 30, "a"))
        other = history.finish(history.begin(40), finished("failed", 40, "b"))
        healed = history.finish(history.begin(50), finished("ok", 50))
    assert (first.failing_since, first.repeated) == (10, False)
    assert (second.failing_since, second.repeated) == (10, True)
    assert third.failing_since == 10
    assert (other.failing_since, other.repeated) == (40, False)
    assert healed.failing_since is None
    assert [r.outcome for r in read_history(tmp_path)] == [
        "ok",
        "failed",
        "failed",
        "locked-out",
        "failed",
        "failed",
        "ok",
    ]


def test_a_run_left_running_is_interrupted_when_the_next_takes_the_lock(tmp_path: Path) -> None:
    with History(tmp_path) as history:
        history.begin(0)
        assert read_history(tmp_path)[0].outcome == "running"
        history.finish(None, finished("locked-out", 5))  # without the lock: no judgement
        assert read_history(tmp_path)[1].outcome == "running"
        history.begin(10)
    assert [r.outcome for r in read_history(tmp_path)] == ["running", "locked-out", "interrupted"]


def test_history_is_pruned_but_keeps_the_last_success(tmp_path: Path) -> None:
    with History(tmp_path) as history:
        history.finish(history.begin(0), finished("ok", 0))
        for n in range(1, KEEP_RUNS + 5):
            history.finish(None, finished("locked-out", n))
    runs = read_history(tmp_path)
    assert len(runs) == KEEP_RUNS + 1
    assert runs[-1].outcome == "ok" and runs[-1].started == 0


def test_unreadable_history_is_started_again(tmp_path: Path) -> None:
    (tmp_path / HISTORY_FILE).write_bytes(b"not a database" * 100)
    assert read_history(tmp_path) == []
    with History(tmp_path) as history:
        history.finish(history.begin(0), finished("ok", 0))
    assert [r.outcome for r in read_history(tmp_path)] == ["ok"]


@pytest.mark.parametrize(
    "damage",
    [
        "counts = '{'",
        "stages = '[1, 2]'",
        """counts = '{"records_read": "many"}'""",
        "started = 'yesterday'",
        "exit_code = 'one'",
    ],
)
def test_a_damaged_run_is_passed_over(tmp_path: Path, damage: str) -> None:
    with History(tmp_path) as history:
        history.finish(history.begin(0), finished("ok", 0))
        history.finish(history.begin(10), finished("failed", 10, "a"))
    with closing(sqlite3.connect(tmp_path / HISTORY_FILE)) as db, db:
        db.execute(f"UPDATE runs SET {damage} WHERE outcome = 'failed'")
    assert [r.outcome for r in read_history(tmp_path)] == ["ok"]
    with History(tmp_path) as history:  # the run before it is the damaged one: no streak
        again = history.finish(history.begin(20), finished("failed", 20, "a"))
    assert (again.failing_since, again.repeated) == (20, False)
    assert [r.outcome for r in read_history(tmp_path)] == ["failed", "ok"]


@pytest.mark.parametrize(
    ("raised", "outcome", "code", "said"),
    [
        (StateError("state", "disk full"), "failed", 1, "state: disk full"),
        (RuntimeError("a bug"), "failed", 1, "RuntimeError: a bug"),
        (KeyboardInterrupt(), "interrupted", None, "stopped (KeyboardInterrupt)"),
    ],
)
def test_a_build_that_stops_after_taking_the_lock_is_recorded(
    site: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    outcome: str,
    code: int | None,
    said: str,
) -> None:
    def stop(state: object, job: object) -> None:
        raise raised

    monkeypatch.setattr("feedpub.pipeline.run._build", stop)
    run = resolve_run(site / "feedpub.toml", environ={})
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(type(raised)):
        build_site(run, now=now)
    (last,) = read_history(run.state_dir)
    assert (last.outcome, last.exit_code) == (outcome, code)
    assert last.error is not None and said in last.error
    assert last.started == now.timestamp()
    assert last.ended is not None and last.ended >= last.started
