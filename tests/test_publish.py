"""Atomic publishing: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from feedpub.errors import PublishError
from feedpub.output import publish
from feedpub.output.leftovers import TEMP_GRACE_SECONDS, remove_leftover_temp_files
from feedpub.output.publish import TEMP_PREFIX, Batch, remove_file, write_if_changed
from feedpub.output.reaper import REAPER_THREADS
from feedpub.output.targets.local import LocalFolder


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


# -- leftover temporary files (issue 11, defect 5) ---------------------------------------

KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from feedpub.output import publish

def stuck(src, dst):
    print("written", flush=True)
    time.sleep(60)  # killed here: between the write and the rename

os.replace = stuck
publish.write_if_changed(Path(sys.argv[1]), b"new")
"""


def start_writer(target: Path) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "written\n"
    return writer


def temp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(f"{TEMP_PREFIX}*"))


def test_a_killed_writers_temp_file_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "category" / "gone" / "rss.xml"
    writer = start_writer(target)
    try:
        (left,) = temp_files(tmp_path)
        assert left.name.startswith(f"{TEMP_PREFIX}{writer.pid}-")
        assert remove_leftover_temp_files(tmp_path) == []  # its writer holds the lock
        assert left.exists()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate()
    assert remove_leftover_temp_files(tmp_path) == [left]
    assert temp_files(tmp_path) == []
    assert not target.parent.exists()  # the emptied category folder went with it,
    assert not (tmp_path / "category").exists()  # and category/ that this left empty
    assert tmp_path.is_dir()  # never the output folder itself


def test_folders_a_leftover_leaves_empty_go_up_to_the_first_that_holds_something(
    tmp_path: Path,
) -> None:
    page = tmp_path / "category" / "x" / "archive" / "2024-05"
    page.mkdir(parents=True)
    left = page / f"{TEMP_PREFIX}{dead_pid()}-abc"
    left.write_bytes(b"half")
    (tmp_path / "category" / "y").mkdir()
    (tmp_path / "category" / "y" / "rss.xml").write_bytes(b"feed")
    assert remove_leftover_temp_files(tmp_path) == [left]
    assert not (tmp_path / "category" / "x").exists()  # archive/2024-05/, archive/ and x/
    assert (tmp_path / "category" / "y" / "rss.xml").is_file()


@pytest.mark.parametrize("failing", ["_temp_file", "replace"])
def test_a_full_disk_leaves_no_folder_the_write_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    (tmp_path / "category").mkdir()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish if failing == "_temp_file" else os, failing, full)
    page = tmp_path / "category" / "new" / "archive" / "2024-05" / "rss.xml"
    with pytest.raises(PublishError, match="No space left on device"):
        write_if_changed(page, b"<rss/>")
    assert list(tmp_path.rglob("*")) == [tmp_path / "category"]  # it was there before


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_unlocked_temp_file_of_a_running_writer_is_kept(tmp_path: Path) -> None:
    # A writer between creating its temporary file and locking it: unlocked, but alive.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        young = tmp_path / f"{TEMP_PREFIX}{alive.pid}-abc"
        young.write_bytes(b"half")
        gone = tmp_path / f"{TEMP_PREFIX}{dead_pid()}-def"
        gone.write_bytes(b"half")
        assert remove_leftover_temp_files(tmp_path) == [gone]
        assert young.exists()
        # Past the grace period its PID no longer vouches for it (a PID is reused).
        later = young.stat().st_mtime + TEMP_GRACE_SECONDS + 1
        assert remove_leftover_temp_files(tmp_path, now=later) == [young]
    finally:
        alive.kill()
        alive.wait()


def test_an_old_style_temp_file_goes_after_the_grace_period(tmp_path: Path) -> None:
    left = tmp_path / f"{TEMP_PREFIX}k2j3h4"  # named by an older feedpub: no PID
    left.write_bytes(b"half")
    assert remove_leftover_temp_files(tmp_path) == []
    later = left.stat().st_mtime + TEMP_GRACE_SECONDS + 1
    assert remove_leftover_temp_files(tmp_path, now=later) == [left]


def test_cleanup_follows_no_link_and_spares_other_files(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{TEMP_PREFIX}{dead_pid()}-x").write_bytes(b"not ours")
    out = tmp_path / "out"
    (out / "category" / "x").mkdir(parents=True)
    os.symlink(elsewhere, out / "category" / "linked")
    os.symlink(elsewhere / "missing", out / f"{TEMP_PREFIX}{dead_pid()}-link")
    (out / "category" / "x" / "rss.xml").write_bytes(b"feed")
    (out / "notes.txt").write_bytes(b"the operator's")
    assert remove_leftover_temp_files(out) == []
    assert len(list(elsewhere.iterdir())) == 1
    assert (out / "notes.txt").exists() and (out / "category" / "x" / "rss.xml").exists()
    assert (out / "category" / "linked").is_symlink()
    assert len([p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]) == 1  # the link


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(f"{TEMP_PREFIX}*"))


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync each"])
def test_a_batch_puts_files_in_place_when_flushed_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syncfs: bool
) -> None:
    if not syncfs:
        monkeypatch.setattr(publish, "_syncfs", None)
    synced: list[int] = []
    real_sync = publish._sync_files
    monkeypatch.setattr(
        publish, "_sync_files", lambda fds: (synced.append(len(fds)), real_sync(fds))
    )
    folders: list[tuple[str, Path]] = []
    for name in ("_fsync_directory", "_syncfs_folder"):
        real = getattr(publish, name)
        monkeypatch.setattr(
            publish, name, lambda f, n=name, r=real: (folders.append((n, f)), r(f))[1]
        )
    old = tmp_path / "rss.xml"
    old.write_bytes(b"old")
    batch = Batch(size=3)
    first = write_if_changed(old, b"new", batch)
    second = write_if_changed(tmp_path / "category/a/rss.xml", b"a", batch)
    assert old.read_bytes() == b"old" and not (tmp_path / "category/a/rss.xml").exists()
    assert write_if_changed(old, b"old", batch).changed is False  # the file as it stands
    third = write_if_changed(tmp_path / "atom.xml", b"atom", batch)  # the third: flushed
    assert synced == [3]
    # Two folders' renames: one syncfs of their file system, else a sync of each folder.
    if syncfs:
        assert folders == [("_syncfs_folder", tmp_path)]
    else:
        assert sorted(folders) == [
            ("_fsync_directory", tmp_path),
            ("_fsync_directory", tmp_path / "category/a"),
        ]
    assert old.read_bytes() == b"new" and (tmp_path / "atom.xml").read_bytes() == b"atom"
    for path, written in [(old, first), (tmp_path / "category/a/rss.xml", second)]:
        stat = path.stat()
        assert (written.size, written.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert third.changed and _leftovers(tmp_path) == []
    write_if_changed(tmp_path / "feed.json", b"{}", batch)
    batch.flush()
    assert synced == [3, 1] and (tmp_path / "feed.json").read_bytes() == b"{}"
    batch.flush()  # nothing left: nothing synced
    assert synced == [3, 1]


@pytest.mark.parametrize("behind", [False, True], ids=["at once", "behind"])
@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync each"])
def test_a_batch_s_removals_sync_the_folders_they_change_once_when_flushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syncfs: bool, behind: bool
) -> None:
    if not syncfs:
        monkeypatch.setattr(publish, "_syncfs", None)
    folders: list[tuple[str, Path]] = []
    for name in ("_fsync_directory", "_syncfs_folder"):
        real = getattr(publish, name)
        monkeypatch.setattr(
            publish, name, lambda f, n=name, r=real: (folders.append((n, f)), r(f))[1]
        )
    pages = [
        tmp_path / f"{feed}archive/2022-{month}/{name}"
        for feed, month in (("", "01"), ("", "02"), ("category/x/", "01"))
        for name in ("rss.xml", "atom.xml")
    ]
    kept = tmp_path / "archive/2022-03/rss.xml"
    for page in [*pages, kept]:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(b"x")
    batch = Batch(behind=behind)
    assert [batch.remove(page, tmp_path) for page in pages] == [True] * 6
    left = ["archive", "archive/2022-03", "archive/2022-03/rss.xml"]
    if not behind:  # removed at once, with the folders they emptied
        assert batch.remove(pages[0], tmp_path) is False  # gone already
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == left
    assert folders == []  # nothing synced until the flush
    batch.flush()
    # Behind, by then removed on the reaper's threads, with the folders they emptied.
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == left
    assert batch.remove(pages[0], tmp_path) is False  # gone already
    # The two folders the removals changed (archive/, and the top, which category/ left),
    # synced once each flush: one syncfs of their file system (through whichever of them came
    # first: behind, that is the order the reaper's threads left them), else a sync of each.
    if syncfs:
        assert len(folders) == 1 and folders[0] in {
            ("_syncfs_folder", tmp_path),
            ("_syncfs_folder", tmp_path / "archive"),
        }
        if not behind:
            assert folders == [("_syncfs_folder", tmp_path / "archive")]
    else:
        assert sorted(folders) == [
            ("_fsync_directory", tmp_path),
            ("_fsync_directory", tmp_path / "archive"),
        ]
    batch.flush()
    assert len(folders) == (1 if syncfs else 2)


def test_a_batch_behind_removes_on_threads_and_names_what_it_could_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind, a batch's removals are the reaper's (several threads at once), with the folders
    they empty; a write into a folder they may remove waits for them; a file that cannot be
    removed is named by the flush, the others removed all the same. A folder where a document
    was is named at once, as without the reaper."""
    real_unlink = os.unlink

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "feedpub-reap":
            time.sleep(0.02)  # the batch hands the next files to more threads meanwhile
            if Path(path).name == "stuck":
                raise PermissionError(errno.EACCES, "Permission denied")
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    pages = [tmp_path / f"archive/2022-{m:02}/{n}" for m in range(1, 13) for n in ("a", "b")]
    for page in [*pages, tmp_path / "stuck"]:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(b"x" * 1000)
    (tmp_path / "feed").mkdir()
    batch = Batch(behind=True)
    assert all(batch.remove(page, tmp_path) for page in pages)
    reaping = [t for t in threading.enumerate() if t.name == "feedpub-reap"]
    assert 1 < len(reaping) <= REAPER_THREADS
    write_if_changed(tmp_path / "archive/2022-01/a", b"again", batch)
    assert not [t for t in threading.enumerate() if t.name == "feedpub-reap"]  # it waited
    with pytest.raises(PublishError, match="feed"):
        batch.remove(tmp_path / "feed", tmp_path)
    assert batch.remove(tmp_path / "stuck", tmp_path)
    with pytest.raises(
        PublishError, match="stuck: cannot publish: remove failed: Permission denied"
    ):
        batch.flush()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "archive",
        "archive/2022-01",
        "archive/2022-01/a",
        "feed",
        "stuck",
    ]
    assert (tmp_path / "archive/2022-01/a").read_bytes() == b"again"
    assert not [t for t in threading.enumerate() if t.name == "feedpub-reap"]
    batch.flush()  # told once


def test_an_abandoned_batch_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    old = tmp_path / "rss.xml"
    old.write_bytes(b"old")
    batch = Batch()
    write_if_changed(old, b"new", batch)
    write_if_changed(tmp_path / "category/new/archive/2024/rss.xml", b"x", batch)
    batch.abandon()
    assert old.read_bytes() == b"old" and _leftovers(tmp_path) == []
    assert not (tmp_path / "category").exists()  # the folders it made, gone with its files


def test_a_folder_s_batched_writes_are_dropped_if_the_block_fails(tmp_path: Path) -> None:
    folder = LocalFolder(tmp_path)
    folder.write_if_changed("rss.xml", b"old", "")
    with pytest.raises(KeyboardInterrupt), folder.batched():
        folder.write_if_changed("rss.xml", b"new", "")
        folder.write_if_changed("atom.xml", b"atom", "")
        raise KeyboardInterrupt  # a second SIGTERM under watch, say
    assert (tmp_path / "rss.xml").read_bytes() == b"old" and not (tmp_path / "atom.xml").exists()
    assert _leftovers(tmp_path) == []
    with folder.batched():
        assert folder.write_if_changed("atom.xml", b"atom", "")[0]
        assert not (tmp_path / "atom.xml").exists()
    assert (tmp_path / "atom.xml").read_bytes() == b"atom"


def test_a_batch_writes_into_a_folder_removed_since_it_last_wrote_there(tmp_path: Path) -> None:
    """A batch remembers the folders it wrote into (no look before each write); one removed
    under it (an operator, a stale-document cleanup) is made again."""
    batch = Batch(size=2)
    page = tmp_path / "2024" / "05"
    write_if_changed(page / "rss.xml", b"rss", batch)
    write_if_changed(page / "atom.xml", b"atom", batch)  # flushed
    shutil.rmtree(tmp_path / "2024")
    write_if_changed(page / "feed.json", b"{}", batch)
    batch.flush()
    assert sorted(p.name for p in page.iterdir()) == ["feed.json"]
    assert _leftovers(tmp_path) == []


def test_a_batch_behind_flushes_on_its_own_thread_one_at_a_time_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's builds write the next files while the last ones are synced and renamed,
    on one thread kept for every flush of the batch and ended with it."""
    events: list[tuple[str, str]] = []
    started: list[str] = []
    real_replace, real_start = os.replace, threading.Thread.start

    def replace(source: Any, target: Any) -> None:
        events.append((threading.current_thread().name, Path(target).name))
        real_replace(source, target)

    def start(thread: threading.Thread) -> None:
        started.append(thread.name)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start)

    real_put = publish._put_in_place

    def put(pending: Any, reaper: Any = None) -> None:
        events.append(("start", str(len(pending))))
        real_put(pending, reaper)
        events.append(("end", str(len(pending))))

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(publish, "_put_in_place", put)
    batch = Batch(size=2, behind=True)
    names = [f"{n}.xml" for n in range(7)]
    for name in names:
        write_if_changed(tmp_path / name, name.encode(), batch)
    batch.flush()
    assert [p.name for p in tmp_path.iterdir()] and _leftovers(tmp_path) == []
    assert all((tmp_path / name).read_bytes() == name.encode() for name in names)
    renamed = [(thread, name) for thread, name in events if name.endswith(".xml")]
    assert [name for _, name in renamed] == names  # in the order written
    # Three full batches behind the writer, the last (one file) by flush itself.
    assert [thread for thread, _ in renamed] == ["feedpub-flush"] * 6 + ["MainThread"]
    marks = [kind for kind, _ in events if kind in ("start", "end")]
    assert marks == ["start", "end"] * 4  # never two flushes at once
    assert started.count("feedpub-flush") == 1
    assert not [t for t in threading.enumerate() if t.name == "feedpub-flush"]


def test_a_batch_behind_sets_aside_what_it_renames_over_and_removes_it_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind its writer, a batch links each file it replaces to a name of its own first, so
    that the ordered rename frees no blocks (the old file has a second link then), and removes
    those names on another thread: none is left once the batch is flushed."""
    links: dict[str, int] = {}
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        time.sleep(0.05)  # the reaper's turn: it must not have the aside name before the rename
        with contextlib.suppress(FileNotFoundError):
            links[Path(target).name] = os.stat(target).st_nlink
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_bytes(b"old")
    batch = Batch(size=2, behind=True)
    for name in ("a.xml", "b.xml", "c.xml"):
        write_if_changed(tmp_path / name, name.encode(), batch)
    batch.flush()
    assert links == {"a.xml": 2, "b.xml": 2}  # c.xml was new: nothing to set aside
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "b.xml", "c.xml"]
    assert [(tmp_path / n).read_bytes() for n in ("a.xml", "b.xml")] == [b"a.xml", b"b.xml"]
    assert (tmp_path / "a.xml").stat().st_nlink == 1


def test_a_batch_behind_raises_a_failed_flush_and_drops_what_came_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        if Path(target).name == "1.xml":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    folder = LocalFolder(tmp_path)
    with pytest.raises(PublishError, match=r"1\.xml"), folder.batched():
        # The first 256 are handed off to be flushed behind; the rest are written meanwhile,
        # and the failure is raised when the block's end flushes them.
        for n in range(300):
            folder.write_if_changed(f"{n}.xml", b"x", "")
    # 0 is in place; 1 failed; what was written after it is dropped, nothing left behind.
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["0.xml"]
    assert _leftovers(tmp_path) == []


def test_abandoning_a_batch_behind_waits_for_its_flush_under_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt drops what is not flushed yet; the flush under way (whose documents the
    state recorded) ends first, so that nothing is renamed after the build let go."""
    started, go_on = threading.Event(), threading.Event()
    real_sync = publish._sync_files

    def sync(fds: list[int]) -> None:
        started.set()
        go_on.wait(10)
        real_sync(fds)

    monkeypatch.setattr(publish, "_sync_files", sync)
    batch = Batch(size=2, behind=True)
    for name in ("a.xml", "b.xml", "c.xml"):
        write_if_changed(tmp_path / name, b"x", batch)
    assert started.wait(10)
    threading.Timer(0.2, go_on.set).start()
    batch.abandon()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "b.xml"]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync each"])
def test_a_batch_puts_files_another_process_wrote_in_place_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syncfs: bool
) -> None:
    """What a render worker wrote beside a path (named for this process) goes in place with
    this process's own files, in the order given; dropped, it is removed."""
    if not syncfs:
        monkeypatch.setattr(publish, "_syncfs", None)
    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    (tmp_path / "a.xml").write_bytes(b"old")
    batch = Batch(size=10)
    staged = publish.stage_file(tmp_path / "a.xml", b"new a", publish.staged_name())
    assert staged.temp.startswith(str(tmp_path / f"{TEMP_PREFIX}{os.getpid()}-"))
    assert batch.adopt(tmp_path / "a.xml", staged).size == 5
    write_if_changed(tmp_path / "b.xml", b"new b", batch)
    assert (tmp_path / "a.xml").read_bytes() == b"old"
    batch.flush()
    assert (tmp_path / "a.xml").read_bytes() == b"new a"
    assert (tmp_path / "a.xml").stat().st_mode & 0o777 == 0o644
    assert _leftovers(tmp_path) == []
    # Each file, or none (one syncfs for both); then their one folder.
    assert len(fsynced) == (1 if syncfs else 3)
    dropped = Batch(size=10)
    dropped.adopt(tmp_path / "a.xml", publish.stage_file(tmp_path / "a.xml", b"x", "t"))
    dropped.abandon()
    assert (tmp_path / "a.xml").read_bytes() == b"new a" and not (tmp_path / "t").exists()
