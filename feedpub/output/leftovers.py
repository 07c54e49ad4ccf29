"""Temporary files a killed writer left behind (:mod:`feedpub.output.publish` names each for
its writer's PID, and the writer holds an advisory lock on it until its rename): removed only
when no process holds the lock and the writer is gone, or when it is old."""

from __future__ import annotations

import os
import time
from pathlib import Path

from feedpub.output.publish import TEMP_PREFIX, lock_file
from feedpub.output.reaper import remove_empty_folders

__all__ = ["TEMP_GRACE_SECONDS", "process_running", "remove_leftover_temp_files"]

#: A temporary file whose writer cannot be told (made by an older feedpub, which named
#: neither PID nor lock, or by a PID now reused) is removed once it is this old.
TEMP_GRACE_SECONDS = 3600.0


def _writer_pid(name: str) -> int | None:
    """The PID a temporary file's name holds (``.feedpub-tmp-<pid>-<random>``), if any."""
    pid, dash, _ = name[len(TEMP_PREFIX) :].partition("-")
    return int(pid) if dash and pid.isdigit() else None


def process_running(pid: int) -> bool:
    """True when a process ``pid`` exists (this user's or another's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True


def _leftover(path: str, name: str, now: float) -> bool:
    """Remove one temporary file if its writer is gone; True when it was removed."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False  # renamed or removed meanwhile, or not ours to read
    try:
        if not lock_file(fd, blocking=False):
            return False  # a live writer holds it, in this process namespace or another
        pid = _writer_pid(name)
        old = now - os.fstat(fd).st_mtime > TEMP_GRACE_SECONDS
        # Unlocked: its writer closed it, or died. One that is alive may be between creating
        # the file and locking it, so only a file whose writer is gone (or that is old) goes.
        # This process's PID in the name is an earlier process's (a container reuses PIDs):
        # this process does not write while it cleans.
        if not old and (pid is None or (pid != os.getpid() and process_running(pid))):
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_leftover_temp_files(out_dir: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files a killed writer left under ``out_dir``; return them.

    A temporary file is removed only when no process holds its lock and its writer
    (the PID in its name) no longer runs, or when it is older than
    :data:`TEMP_GRACE_SECONDS`: a file another running build is writing is never
    touched. A folder below ``out_dir`` that the removal leaves empty is removed
    too, and so are its parents that this leaves empty (an emptied category's
    folder, an archive page's and ``archive/`` above it). Links are not followed; errors are ignored
    (what cannot be removed now is tried again by the next build). ``now`` is the
    clock, in seconds since the epoch, for tests. Call it while this process is not
    publishing (a build calls it under its lock, before it writes).
    """
    clock = time.time() if now is None else now
    removed: list[Path] = []
    pending = [str(out_dir)]
    while pending:
        folder = pending.pop()
        emptied = False
        try:
            with os.scandir(folder) as entries:
                listing = list(entries)
        except OSError:
            continue
        for entry in listing:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif (
                    entry.name.startswith(TEMP_PREFIX)
                    and entry.is_file(follow_symlinks=False)
                    and _leftover(entry.path, entry.name, clock)
                ):
                    removed.append(Path(entry.path))
                    emptied = True
            except OSError:
                continue
        if emptied:
            remove_empty_folders(Path(folder), out_dir)
    return sorted(removed)
