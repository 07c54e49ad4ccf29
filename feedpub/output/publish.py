"""Publishing files atomically: a reader or web server sees the old file or the new one, never half.

Each write goes to a temporary file in the target's own directory (so the
rename cannot cross file systems), is flushed and fsync'ed, then replaces the
target with ``os.replace``; the directory is fsync'ed so the rename survives a
crash. On any failure the temporary file is removed and the target is left as
it was. A file whose new bytes equal the old ones is not touched, so its mtime
(and any ``Last-Modified``/ETag cache in front of it) stays.

A process killed between write and rename cannot remove its temporary file, so
each one says whose it is: its name holds the writer's PID, and the writer holds
an advisory lock (``flock``) on it until the rename. :func:`remove_leftover_temp_files`
removes a temporary file only when nobody holds its lock and its writer is gone.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

try:
    import fcntl
except ImportError:  # not on Windows: temporary files are then told apart by PID and age only
    fcntl = None  # type: ignore[assignment]

from feedpub.errors import PublishError

__all__ = [
    "TEMP_PREFIX",
    "Written",
    "remove_file",
    "remove_leftover_temp_files",
    "write_if_changed",
]

#: Temporary files start with a dot, so no web server or feed path ever names one.
TEMP_PREFIX = ".feedpub-tmp-"


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Not every platform lets a directory be opened; the rename is still atomic.
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Written(NamedTuple):
    """What :func:`write_if_changed` left at the path: the size and mtime of the file holding
    these bytes (this writer's own file, read before any other writer could replace it)."""

    changed: bool  # False: the file already held exactly these bytes
    size: int
    mtime_ns: int


def _same_bytes(path: Path, data: bytes) -> Written | None:
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size == len(data) and handle.read() == data:
                return Written(False, stat.st_size, stat.st_mtime_ns)
    except FileNotFoundError:
        pass
    return None


def write_if_changed(path: Path, data: bytes) -> Written:
    """Atomically write ``data`` to ``path`` unless it already holds exactly those bytes.

    Raises :class:`PublishError`.
    """
    try:
        same = _same_bytes(path, data)
    except OSError as exc:
        raise PublishError(str(path), exc.strerror or str(exc)) from None
    if same is not None:
        return same
    existing = path.parent
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=path.parent)
    except OSError as exc:
        # A full disk can refuse the file after its folders were made: none is left empty.
        _remove_empty_folders(path.parent, existing)
        raise PublishError(str(path), exc.strerror or str(exc)) from None
    temp = Path(temp_name)
    try:
        # Held until the file is renamed (closing releases it): a cleaner never takes it away.
        _lock(fd, blocking=True)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # mkstemp makes 0600; a web server must be able to read the feed.
            os.fchmod(handle.fileno(), 0o644)
            os.fsync(handle.fileno())
            stat = os.fstat(handle.fileno())  # the rename keeps the inode: what we wrote
            os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        _remove_empty_folders(path.parent, existing)
        if isinstance(exc, OSError):
            raise PublishError(str(path), exc.strerror or str(exc)) from None
        raise
    _fsync_directory(path.parent)
    return Written(True, stat.st_size, stat.st_mtime_ns)


def remove_file(path: Path, stop_at: Path) -> bool:
    """Remove a published file and any folders it leaves empty, up to ``stop_at``.

    Returns True when a file was removed. Raises :class:`PublishError`.
    """
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PublishError(str(path), exc.strerror or str(exc)) from None
    _fsync_directory(path.parent)
    _remove_empty_folders(path.parent, stop_at)
    return True


def _remove_empty_folders(folder: Path, stop_at: Path) -> None:
    """Remove ``folder`` and its parents below ``stop_at`` while they are empty."""
    while folder != stop_at and stop_at in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            break  # Not empty (the other format's file, or the operator's own files).
        folder = folder.parent


#: A temporary file whose writer cannot be told (made by an older feedpub, which named
#: neither PID nor lock, or by a PID now reused) is removed once it is this old.
TEMP_GRACE_SECONDS = 3600.0


def _lock(fd: int, *, blocking: bool) -> bool:
    """Take the advisory lock on ``fd``; False when another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _writer_pid(name: str) -> int | None:
    """The PID a temporary file's name holds (``.feedpub-tmp-<pid>-<random>``), if any."""
    pid, dash, _ = name[len(TEMP_PREFIX) :].partition("-")
    return int(pid) if dash and pid.isdigit() else None


def _running(pid: int) -> bool:
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
        if not _lock(fd, blocking=False):
            return False  # a live writer holds it, in this process namespace or another
        pid = _writer_pid(name)
        old = now - os.fstat(fd).st_mtime > TEMP_GRACE_SECONDS
        # Unlocked: its writer closed it, or died. One that is alive may be between creating
        # the file and locking it, so only a file whose writer is gone (or that is old) goes.
        # This process's PID in the name is an earlier process's (a container reuses PIDs):
        # this process does not write while it cleans.
        if not old and (pid is None or (pid != os.getpid() and _running(pid))):
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
            _remove_empty_folders(Path(folder), out_dir)
    return sorted(removed)
