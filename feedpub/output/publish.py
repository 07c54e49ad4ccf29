"""Publishing files atomically: a reader or web server sees the old file or the new one, never half.

Each write goes to a temporary file in the target's own directory (so the
rename cannot cross file systems), is flushed and fsync'ed, then replaces the
target with ``os.replace``; the directory is fsync'ed so the rename survives a
crash. On any failure the temporary file is removed and the target is left as
it was. Many files written together (a build) share those syncs in a :class:`Batch`.
A file whose new bytes equal the old ones is not touched, so its mtime (and any
``Last-Modified``/ETag cache in front of it) stays.

A process killed between write and rename cannot remove its temporary file, so
each one says whose it is: its name holds the writer's PID, and the writer holds
an advisory lock (``flock``) on it until the rename. ``output/leftovers.py`` removes a
temporary file only when nobody holds its lock and its writer is gone.
A render worker may write a document's temporary file for the process publishing it
(:func:`stage_file`): that file's name holds the publishing process's PID, not the worker's,
and the publisher's batch adopts it (:meth:`Batch.adopt`) and puts it in place like its own.

A rename over a file frees the old one's blocks (~100 us here; ~11 us to a new name), and a
new title renames over all 65,398 documents of 100,000 records with archives, in order. So a
batch behind its writer first links each old file to a temporary name, removed on other
threads in no order (:class:`Reaper`; killed, left for the next build's cleaner). The files
such a batch removes are removed on those threads too, with the folders they leave empty, and
one that cannot be is named by the flush (a new ``archive`` removes 64,593 files at 100,000
records: 11.9 s in the writer's thread, one after the other).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, cast

try:
    import fcntl
except ImportError:  # not on Windows: temporary files are then told apart by PID and age only
    fcntl = None  # type: ignore[assignment]

from feedpub.errors import PublishError
from feedpub.output.behind import Behind
from feedpub.output.reaper import Reaper, removal_failed, remove_empty_folders

__all__ = [
    "BATCH_FILES",
    "TEMP_PREFIX",
    "Batch",
    "Staged",
    "Written",
    "lock_file",
    "remove_empty_folders",
    "remove_file",
    "stage_file",
    "staged_name",
    "write_if_changed",
]

#: Temporary files start with a dot, so no web server or feed path ever names one.
TEMP_PREFIX = ".feedpub-tmp-"


def _find_syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs`` (one sync of the file system a descriptor is on), where the C library
    has it: Python's ``os`` does not."""
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int]
    call.restype = ctypes.c_int
    return cast("Callable[[int], int]", call)


_syncfs = _find_syncfs()


def _sync_files(pending: list[_Pending]) -> None:
    """Make the files ``pending`` durable: one ``syncfs`` per file system they are on, or
    where that is missing or fails, an ``fsync`` of each."""
    if _syncfs is not None and len(pending) > 1:  # one file: its own fsync costs less
        devices = {p.device: p for p in pending}
        if all(_on_file(p, _syncfs) == 0 for p in devices.values()):
            return
    for each in pending:
        _on_file(each, os.fsync)


def _on_file(pending: _Pending, call: Callable[[int], object]) -> object:
    """``call`` on a descriptor of the pending file: its own, or (one another process wrote)
    one opened for it."""
    if pending.fd >= 0:
        return call(pending.fd)
    fd = os.open(pending.temp, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return call(fd)
    finally:
        os.close(fd)


def _sync_folders(folders: list[Path]) -> None:
    """Make the renames in ``folders`` durable: one ``syncfs`` per file system (it writes the
    file system's metadata, folders included), or where that is missing or fails, an
    ``fsync`` of each folder. A cold build with archives writes into tens of thousands of
    folders (a folder per archive page): one sync each cost more than the writes."""
    if _syncfs is not None and len(folders) > 1:
        devices: dict[int, Path] = {}
        for folder in folders:
            try:
                devices.setdefault(folder.stat().st_dev, folder)
            except FileNotFoundError:  # removed since: its parent, where it was, is synced
                continue
            except OSError:
                devices.clear()
                break
        if devices and all(_syncfs_folder(folder) for folder in devices.values()):
            return
    for folder in folders:
        _fsync_directory(folder)


def _syncfs_folder(folder: Path) -> bool:
    assert _syncfs is not None
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        return _syncfs(fd) == 0
    finally:
        os.close(fd)


_names = itertools.count()


def _temp_file(folder: Path) -> tuple[int, Path]:
    """A new temporary file in ``folder``, open for writing, named for this process (what
    :func:`remove_leftover_temp_files` reads); a name a dead process left is skipped."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = folder / f"{TEMP_PREFIX}{os.getpid()}-{next(_names)}"
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue


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


class _Pending(NamedTuple):
    """A file written to its temporary file, to be put in place by a batch's flush."""

    #: The descriptor holding the temporary file's lock; -1 for one another process wrote
    #: (:meth:`Batch.adopt`: its name holds this process's PID, which no cleaner takes away).
    fd: int
    temp: Path
    path: Path
    #: Its first existing folder before this write made any (what dropping it removes).
    existing: Path
    device: int


class Staged(NamedTuple):
    """New bytes for a file, written beside it by another process (a render worker) for this
    one's batch to put in place (:func:`stage_file`, :meth:`Batch.adopt`); or, with no
    ``temp``, found there already."""

    temp: str
    size: int
    mtime_ns: int
    device: int
    #: The first folder that existed before the folders made for it (what dropping it removes).
    existing: str


def staged_name() -> str:
    """A name for a temporary file another process writes for this one (:func:`stage_file`):
    this process's PID, as in its own temporary files' names, and a number none of them has."""
    return f"{TEMP_PREFIX}{os.getpid()}-{next(_names)}"


def stage_file(path: Path, data: bytes, name: str, *, held: bytes | None = None) -> Staged:
    """Write ``data`` to the temporary file ``name`` beside ``path`` (making its folders), for a
    batch in the process that gave ``name`` to adopt; nothing when ``path`` holds ``data``
    already (``held``: the bytes the caller just read from it, so it is not read again). ``name``
    holds that process's PID (:data:`TEMP_PREFIX`, the PID, a dash), so that a cleaner leaves
    the file while that process runs, and is its own: one left by an earlier process with
    that PID is written over. Raises :class:`OSError`; no file is left then."""
    if held is None or held == data:
        same = _same_bytes(path, data)
        if same is not None:
            return Staged("", same.size, same.mtime_ns, 0, "")
    folder = path.parent
    temp = folder / name
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    existing = folder
    try:  # most folders are there: a look for them costs more than this open
        fd = os.open(temp, flags, 0o600)
    except FileNotFoundError:
        while not existing.is_dir() and existing != existing.parent:
            existing = existing.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, flags, 0o600)
    try:
        os.fchmod(fd, 0o644)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        stat = os.fstat(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return Staged(str(temp), stat.st_size, stat.st_mtime_ns, stat.st_dev, str(existing))


class Written(NamedTuple):
    """What :func:`write_if_changed` left at the path: the size and mtime of the file holding
    these bytes (this writer's own file, read before any other writer could replace it)."""

    changed: bool  # False: the file already held exactly these bytes
    size: int
    mtime_ns: int


def _same_bytes(path: Path, data: bytes) -> Written | None:
    try:
        if os.stat(path).st_size != len(data):  # the common case of a change: no open
            return None
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size == len(data) and handle.read() == data:
                return Written(False, stat.st_size, stat.st_mtime_ns)
    except FileNotFoundError:
        pass
    return None


def write_if_changed(path: Path, data: bytes, batch: Batch | None = None) -> Written:
    """Atomically write ``data`` to ``path`` unless it already holds exactly those bytes; in a
    ``batch``, the new file is in place when the batch is flushed (see :class:`Batch`).

    Raises :class:`PublishError`.
    """
    try:
        same = _same_bytes(path, data)
    except OSError as exc:
        raise PublishError(str(path), exc.strerror or str(exc)) from None
    if same is not None:
        return same
    if batch is not None:
        return batch.write(path, data)
    alone = Batch(1)  # a batch of one: its file is in place when the write returns
    return alone.write(path, data)


#: How many files a batch holds before it is flushed (each holds a descriptor until then).
BATCH_FILES = 256


class Batch:
    """Atomic writes that share their trip to the disk: each file is written to its temporary
    file at once, and on :meth:`flush` (every :data:`BATCH_FILES` files, and at the end) the
    file system is synced once (``syncfs``; where there is none, each file is ``fsync``'ed),
    then the files are renamed into place in the order they were written, then each folder is
    synced once. So a reader still sees the old file or the new one, never half; a crash
    before a rename leaves the old file; the renames keep their order (a document is in place
    before what links to it); and a build writing 65,000 documents syncs some 250 times, not
    130,000. :meth:`abandon` removes what was not flushed (a failure, an interrupt)."""

    def __init__(self, size: int | None = None, *, behind: bool = False) -> None:
        """An empty batch of at most ``size`` files (default :data:`BATCH_FILES`).

        ``behind``: a full batch is flushed on a thread of its own while the next one is
        written (one at a time, in order), so that the writer does not wait for the disk: a
        flush's sync waits for the disk to take the data. Its renames over older files do not
        free those files' blocks: each is set aside and removed on the reaper's threads, in no
        order (:class:`Reaper`), as are the files :meth:`remove` is given. A flush that fails
        there is raised by the next :meth:`write` or :meth:`flush`, which then drop what was
        written after it; :meth:`flush` and :meth:`abandon` wait for the one under way."""
        self.size = size or BATCH_FILES
        self._behind = behind
        self._flusher: Behind[list[_Pending]] = Behind(self._flush_behind, "feedpub-flush")
        #: Behind: the files renamed over, and those removed, are removed on its threads.
        self._reaper = Reaper(staged_name) if behind else None
        self._pending: list[_Pending] = []
        #: Folders this batch wrote a file into: they exist (a cold build with archives
        #: writes three files into each of tens of thousands of folders).
        self._folders: set[Path] = set()
        #: Folders a removal changed, synced at the next flush.
        self._emptied: dict[Path, None] = {}

    def write(self, path: Path, data: bytes) -> Written:
        """Write ``data`` to a temporary file beside ``path``, renamed at the next flush."""
        self._removed()
        existing = path.parent
        try:
            if existing in self._folders:
                try:
                    fd, temp = _temp_file(existing)
                except FileNotFoundError:  # removed under us: look again
                    self._folders.clear()
            if existing not in self._folders:
                while not existing.is_dir() and existing != existing.parent:
                    existing = existing.parent
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, temp = _temp_file(path.parent)
                self._folders.add(path.parent)
        except OSError as exc:
            # A full disk can refuse the file after its folders were made: none is left empty.
            remove_empty_folders(path.parent, existing)
            raise PublishError(str(path), exc.strerror or str(exc)) from None
        try:
            lock_file(fd, blocking=True)  # held until the rename: a cleaner never takes it away
            os.fchmod(fd, 0o644)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            stat = os.fstat(fd)  # the rename keeps the inode: what we wrote
        except BaseException as exc:
            os.close(fd)
            temp.unlink(missing_ok=True)
            remove_empty_folders(path.parent, existing)
            if isinstance(exc, OSError):
                raise PublishError(str(path), exc.strerror or str(exc)) from None
            raise
        self._add(_Pending(fd, temp, path, existing, stat.st_dev))
        return Written(True, stat.st_size, stat.st_mtime_ns)

    def adopt(self, path: Path, staged: Staged) -> Written:
        """Put ``staged`` (another process wrote it beside ``path``) in place at the next flush,
        as if written here (nothing to do if ``path`` held its bytes already)."""
        self._removed()
        if staged.temp:
            existing = Path(staged.existing)
            self._add(_Pending(-1, Path(staged.temp), path, existing, staged.device))
        return Written(bool(staged.temp), staged.size, staged.mtime_ns)

    def _add(self, pending: _Pending) -> None:
        self._pending.append(pending)
        if len(self._pending) >= self.size:
            if self._behind:
                self._hand_off()
            else:
                self.flush()

    def remove(self, path: Path, stop_at: Path) -> bool:
        """:func:`remove_file`, its folder's sync left to the next :meth:`flush` (a new
        ``archive`` removes 64,593 pages at 100,000 records, each synced on its own before).
        Behind, whether a file is there: the reaper's threads remove it and the folders it
        leaves empty, and the flush names a file they could not remove (as an object store's
        batch of deletions does). A write waits for them first (it may want a folder they would
        remove)."""
        if self._reaper is not None:
            there = self._reaper.unlink(path, stop_at)
            if there is not None:
                self._folders.clear()  # some may go: a write looks again
                return there
        removed, changed = _remove(path, stop_at)
        if removed:
            folder = path.parent
            while folder != changed:  # removed too: nothing there to sync
                self._folders.discard(folder)
                self._emptied.pop(folder, None)
                folder = folder.parent
            self._emptied[changed] = None
        return removed

    def flush(self) -> None:
        """Sync the written files, rename each into place in order, sync their folders (after
        the flush under way, if any), and the folders removals changed."""
        self._wait()
        self._flusher.close()
        pending, self._pending = self._pending, []
        try:
            _put_in_place(pending, self._reaper)
        finally:
            failed = self._reaper_done()
            emptied, self._emptied = list(self._emptied), {}
            _sync_folders(emptied)
        if failed is not None:
            raise failed

    def _removed(self) -> None:
        """Wait for the removals under way, if any (their folders are synced at the flush);
        the flush under way first, so that nothing hands the reaper a file meanwhile."""
        if self._reaper is not None and self._reaper.removing:
            self._wait()
            failed = self._reaper_done()
            if failed is not None:
                raise failed

    def _reaper_done(self) -> PublishError | None:
        """Wait for the reaper: the folders its removals left are synced at the flush; the
        first file it could not remove, if any."""
        if self._reaper is None:
            return None
        self._reaper.close()
        self._emptied.update(dict.fromkeys(self._reaper.left()))
        return self._reaper.failed()

    def abandon(self) -> None:
        """Remove the files not flushed yet (their targets keep what they held); a flush
        under way finishes first."""
        self._flusher.close()  # what it raised: it dropped the rest of its own files
        pending, self._pending = self._pending, []
        _drop(pending)
        if self._reaper is not None:
            self._reaper.close()

    def _hand_off(self) -> None:
        """Flush the files written so far behind, once the flush before is done."""
        self._wait()
        pending, self._pending = self._pending, []
        self._flusher.hand(pending)

    def _flush_behind(self, pending: list[_Pending]) -> None:
        _put_in_place(pending, self._reaper)

    def _wait(self) -> None:
        """Wait for the flush under way; if it failed, drop the files written since and
        raise its error."""
        failure = self._flusher.wait()
        if failure is not None:
            self.abandon()
            raise failure


def _put_in_place(pending: list[_Pending], reaper: Reaper | None = None) -> None:
    """Sync the written files, rename each into place in order (the file each replaces set
    aside for ``reaper``), sync their folders; if a rename fails, those before it stay in
    place and the rest are dropped."""
    folders: dict[Path, None] = {}
    done = 0
    try:
        if pending:
            _sync_files(pending)
        for fd, temp, path, _, _ in pending:
            aside = reaper.set_aside(path) if reaper is not None else None
            try:
                os.replace(temp, path)
            finally:
                if aside is not None and reaper is not None:
                    reaper.remove(aside)
            done += 1
            if fd >= 0:
                os.close(fd)
            folders[path.parent] = None
    except BaseException as exc:
        failed = pending[done][2] if done < len(pending) else pending[-1][2]
        _drop(pending[done:])
        if isinstance(exc, OSError):
            raise PublishError(str(failed), exc.strerror or str(exc)) from None
        raise
    finally:
        _sync_folders(list(folders))  # the renames made, even when a later one failed


def _drop(pending: list[_Pending]) -> None:
    """Remove written files that will not be put in place, and the folders made for them."""
    for fd, temp, path, existing, _ in pending:
        if fd >= 0:
            os.close(fd)
        temp.unlink(missing_ok=True)
        remove_empty_folders(path.parent, existing)


def remove_file(path: Path, stop_at: Path) -> bool:
    """Remove a published file and any folders it leaves empty, up to ``stop_at``.

    Returns True when a file was removed. Raises :class:`PublishError`.
    """
    removed, changed = _remove(path, stop_at)
    if removed:
        _fsync_directory(changed)
    return removed


def _remove(path: Path, stop_at: Path) -> tuple[bool, Path]:
    """Remove the file at ``path`` and the folders it leaves empty up to ``stop_at``: whether
    it was there, and the folder to sync (the first one left). Raises :class:`PublishError`."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False, path.parent
    except OSError as exc:
        raise PublishError(str(path), removal_failed(exc)) from None
    return True, remove_empty_folders(path.parent, stop_at)


def lock_file(fd: int, *, blocking: bool) -> bool:
    """Take the advisory lock on ``fd``; False when another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True
