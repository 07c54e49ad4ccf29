"""Publishing files atomically: a reader or web server sees the old file or the new one, never half.

Each write goes to a temporary file in the target's own directory (so the
rename cannot cross file systems), is flushed and fsync'ed, then replaces the
target with ``os.replace``; the directory is fsync'ed so the rename survives a
crash. On any failure the temporary file is removed and the target is left as
it was. A file whose new bytes equal the old ones is not touched, so its mtime
(and any ``Last-Modified``/ETag cache in front of it) stays.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NamedTuple

from feedpub.errors import PublishError

__all__ = ["TEMP_PREFIX", "Written", "remove_file", "write_if_changed"]

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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    except OSError as exc:
        raise PublishError(str(path), exc.strerror or str(exc)) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o644)  # mkstemp makes 0600; a web server must read it.
            os.fsync(handle.fileno())
            stat = os.fstat(handle.fileno())  # the rename keeps the inode: this is what we wrote
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
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
    folder = path.parent
    while folder != stop_at and stop_at in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            break  # Not empty (the other format's file, or the operator's own files).
        folder = folder.parent
    return True
