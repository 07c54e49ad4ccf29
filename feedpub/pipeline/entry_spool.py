"""The entry spool: entries on their way to the documents that show them.

A job of entries writes one spool file (:func:`write_spool`): a header (each entry's length,
the places whose entry drew a finding, what a document's frame takes from each record), then
the entries' bytes. The jobs rendering documents read them there (:func:`spooled_file`),
so that no process holds a batch's entries. Each build has its own spool folder
(:func:`spool_folder`), in the system's temporary folder.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from feedpub.errors import PublishError
from feedpub.output.leftovers import process_running

__all__ = [
    "OPEN_SPOOLS",
    "SPOOL_PREFIX",
    "SPOOL_WAIT",
    "Spooled",
    "close_spools",
    "spool_failed",
    "spool_folder",
    "spooled_file",
    "write_spool",
]

#: Spool files a process keeps open at once.
OPEN_SPOOLS = 64
#: How long a document's job waits for the entries it shows (rendered by a job sent before it).
SPOOL_WAIT = 600.0
#: The start of a spool folder's name (in the system's temporary folder), then the PID of the
#: build whose it is.
SPOOL_PREFIX = "feedpub-entries-"


def write_spool(path: Path, entries: list[bytes], flagged: list[int], facts: Any) -> None:
    """Write a job's ``entries`` at ``path``, with the places of those that drew a finding and
    its records' ``facts``: put in place whole, so that a document waiting for it never
    reads half of it."""
    header = pickle.dumps(([len(e) for e in entries], flagged, facts))
    temp = path.with_suffix(".part")
    temp.write_bytes(b"".join([len(header).to_bytes(8, "big"), header, *entries]))
    temp.replace(path)


def spool_failed(path: Path) -> None:
    """Mark the spool file ``path`` as never to come (its job failed)."""
    path.with_suffix(".failed").touch()


class Spooled:
    """A spool file of entries, as a document's job reads it."""

    def __init__(self, path: Path) -> None:
        deadline = time.monotonic() + SPOOL_WAIT
        while not path.exists():  # its job, sent before this one, is still under way
            if path.with_suffix(".failed").exists() or time.monotonic() > deadline:
                raise RuntimeError(f"the entries of {path.name} were not rendered")
            time.sleep(0.001)
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        size = int.from_bytes(os.pread(self.fd, 8, 0), "big")
        lengths, flagged, facts = pickle.loads(os.pread(self.fd, size, 8))
        #: The places whose entry drew a finding.
        self.flagged: set[int] = set(flagged)
        #: What each record's job said of it (its facts; ``None``: it changed since the read
        #: stage).
        self.facts: dict[int, Any] = facts
        self.where: list[tuple[int, int]] = []
        offset = 8 + size
        for length in lengths:
            self.where.append((offset, length))
            offset += length

    def entry(self, index: int) -> bytes:
        offset, length = self.where[index]
        return os.pread(self.fd, length, offset)


#: The spool files a process has open, by path (at most :data:`OPEN_SPOOLS`, oldest closed).
_spooled: dict[Path, Spooled] = {}
#: Spool files a process keeps open at once.
OPEN_SPOOLS = 64
#: How long a document's job waits for the entries it shows (rendered by a job sent before it).
SPOOL_WAIT = 600.0


def spooled_file(path: Path) -> Spooled:
    """The spool file ``path``, opened once it is written (kept open for the next document)."""
    found = _spooled.get(path)
    if found is None:
        if len(_spooled) >= OPEN_SPOOLS:
            os.close(_spooled.pop(next(iter(_spooled))).fd)
        found = _spooled[path] = Spooled(path)
    return found


def close_spools() -> None:
    """Close every spool file this process has open."""
    while _spooled:
        os.close(_spooled.popitem()[1].fd)


#: The start of a spool folder's name (in the system's temporary folder), then the PID of the
#: build whose it is.
SPOOL_PREFIX = "feedpub-entries-"


def spool_folder() -> Path:
    """A new spool folder for this build; those of builds that are gone (killed) are removed
    first."""
    try:
        base = tempfile.gettempdir()
    except FileNotFoundError as exc:  # no temporary folder is writable
        raise PublishError("TMPDIR", f"{exc} (set TMPDIR to a writable folder)") from None
    with suppress(OSError), os.scandir(base) as found:
        for entry in found:
            pid, dash, _ = entry.name.removeprefix(SPOOL_PREFIX).partition("-")
            ours = entry.name.startswith(SPOOL_PREFIX) and dash and pid.isdigit()
            if ours and not process_running(int(pid)) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=base))
    except OSError as exc:
        reason = f"cannot make a folder for the entries on their way to documents: {exc.strerror}"
        raise PublishError(base, f"{reason} (set TMPDIR to a writable folder)") from None
