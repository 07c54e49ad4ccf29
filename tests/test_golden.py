"""The bundled sample builds into the committed feeds in tests/golden/, byte for byte.

Regenerate after an intended output change with ``python -m pytest tests/test_golden.py
--update-golden``, then review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import fcntl
import shutil
import time
from pathlib import Path

import pytest

from feedpub import build, load_config
from tests.conftest import GOLDEN


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")  # the feeds, not the owner marker
    }


@pytest.mark.parametrize(
    "machine_tz", ["UTC", "Asia/Jakarta", "America/Los_Angeles", "Pacific/Kiritimati"]
)
def test_sample_builds_into_golden_feeds(
    site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    machine_tz: str,
) -> None:
    monkeypatch.setenv("TZ", machine_tz)
    time.tzset()
    out = tmp_path / "public"
    report = build(site / "articles", out, load_config(site / "feedpub.toml"))
    assert report.exit_code == 0, [str(e) for e in report.errors]
    assert not report.warnings, [str(w) for w in report.warnings]
    if request.config.getoption("--update-golden"):
        # Every zone's case (each maybe in its own xdist worker) builds the same bytes: the
        # first to hold the lock rewrites the folder, the rest find it equal. Unlocked, two
        # workers removed and copied the folder at once (FileExistsError).
        shared = tmp_path_factory.getbasetemp().parent  # one for all of a run's workers
        with open(shared / "golden-update.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not GOLDEN.is_dir() or _tree(out) != _tree(GOLDEN):
                shutil.rmtree(GOLDEN, ignore_errors=True)
                shutil.copytree(out, GOLDEN)
            assert _tree(out) == _tree(GOLDEN)
    assert _tree(out) == _tree(GOLDEN)


def test_second_build_is_byte_identical_and_touches_nothing(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    config = load_config(site / "feedpub.toml")
    build(site / "articles", out, config)
    first = _tree(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    report = build(site / "articles", out, config)
    assert _tree(out) == first
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert report.count("written") == 0
    assert report.count("unchanged") == len(mtimes)
