"""A full disk under the output or the state folder: one clear line, exit 1, the old feeds
untouched, and the next build (with room again) repairs.

The output folder is a small tmpfs mounted for the test (root only); where no tmpfs
can be mounted the test is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.output.publish import TEMP_PREFIX
from feedpub.validate import validate_feed

NOW = "2026-01-01T00:00:00+07:00"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, unmounted afterwards."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no mount command here to make a small file system")
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root, or CAP_SYS_ADMIN)")
    try:
        yield mount_point
    finally:
        # Lazily: a failed in-process build may still hold a file open on it.
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def build(site: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "build",
            "-q",
            "--config",
            str(site / "feedpub.toml"),
            "--out",
            str(out),
            "--now",
            NOW,
            *extra,
        ],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte; return the file that holds the space."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 1):  # big blocks, then the last few bytes one at a time
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_a_full_output_disk_is_one_line_and_keeps_the_old_feeds(
    site: Path, small_disk: Path
) -> None:
    out = small_disk / "public"
    assert build(site, out) == (0, "")
    before = snapshot(out)
    record = site / "articles" / "2024" / "05" / "kilas-berita.jsonl"
    lines = record.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["title"] = "Judul baru " + "panjang " * 200  # every feed showing it changes
    record.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")

    filler = fill(small_disk)
    code, stderr = build(site, out)
    assert code == 1
    assert len(stderr.splitlines()) == 1, stderr
    assert "No space left on device" in stderr and str(out) in stderr
    filler.unlink()
    assert snapshot(out) == before  # nothing half-written, no temporary file left

    assert build(site, out) == (0, "")  # with room again, the next build publishes
    after = snapshot(out)
    assert not [name for name in after if TEMP_PREFIX in name]
    assert b"Judul baru" in after["rss.xml"]
    for name, data in after.items():
        if name.endswith((".xml", ".json")):  # the feeds (beside them: the owner marker)
            assert [p for p in validate_feed(data, source=name) if p.level == "error"] == []


def test_a_full_state_disk_is_one_line_and_keeps_the_feeds(site: Path, small_disk: Path) -> None:
    out = site / "public"
    state = small_disk / "state"
    assert build(site, out, "--state", str(state)) == (0, "")
    before = snapshot(out)
    new = site / "articles" / "2024" / "baru.json"
    new.write_text(
        json.dumps({"title": "Baru", "date_published": "2024-06-01", "url": "/baru/"}), "utf-8"
    )
    filler = fill(small_disk)
    code, stderr = build(site, out, "--state", str(state))
    assert code == 1
    assert len(stderr.splitlines()) == 1 and "disk full" in stderr, stderr
    assert "Traceback" not in stderr
    assert snapshot(out) == before  # the index could not take the change: nothing published
    filler.unlink()
    assert build(site, out, "--state", str(state)) == (0, "")  # room again: repaired
    assert b"/baru/" in (out / "rss.xml").read_bytes()
