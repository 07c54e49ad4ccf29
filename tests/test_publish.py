"""Atomic publishing: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedpub.errors import PublishError
from feedpub.output.publish import TEMP_PREFIX, remove_file, write_if_changed


def test_write_creates_folders_and_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "category" / "x" / "rss.xml"
    assert write_if_changed(target, b"<rss/>").changed is True
    assert target.read_bytes() == b"<rss/>"
    assert target.stat().st_mode & 0o777 == 0o644


def test_same_bytes_leave_the_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "rss.xml"
    write_if_changed(target, b"<rss/>")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert write_if_changed(target, b"<rss/>").changed is False
    assert target.stat().st_mtime_ns == 1_000_000_000
    assert write_if_changed(target, b"<rss version='2.0'/>").changed is True
    assert target.stat().st_mtime_ns != 1_000_000_000


def test_crash_before_rename_keeps_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rss.xml"
    target.write_bytes(b"old")

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # the process is killed between write and rename

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_if_changed(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["rss.xml"]


def test_disk_error_is_a_publish_error_and_old_file_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rss.xml"
    target.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(PublishError, match="No space left on device"):
        write_if_changed(target, b"new")
    assert target.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_remove_file_prunes_empty_folders_only(tmp_path: Path) -> None:
    folder = tmp_path / "category" / "x"
    folder.mkdir(parents=True)
    (folder / "rss.xml").write_bytes(b"a")
    (folder / "atom.xml").write_bytes(b"b")
    assert remove_file(folder / "rss.xml", tmp_path) is True
    assert folder.is_dir()
    assert remove_file(folder / "atom.xml", tmp_path) is True
    assert not (tmp_path / "category").exists()
    assert tmp_path.is_dir()
    assert remove_file(folder / "atom.xml", tmp_path) is False
