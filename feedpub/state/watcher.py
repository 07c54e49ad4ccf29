"""The watcher's mark in the state folder: which ``feedpub watch`` publishes this site, and
whether it is still alive.

``watch.json`` holds the watcher's pid and host, when it started, its last heartbeat and
how often it beats. The watcher writes it when it starts, after each build and on every
heartbeat (a temporary file, then a rename: a reader sees the old one or the new one),
and removes it when it stops cleanly. ``feedpub status`` and the metrics file read it
without any lock: a watcher is up when its heartbeat is fresh (within
:data:`MISSED_BEATS` beats) and, on the same host, its pid still runs.
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["MISSED_BEATS", "WATCHER_FILE", "WatcherMark", "clear_mark", "read_mark", "write_mark"]

WATCHER_FILE = "watch.json"
#: A watcher that missed this many heartbeats in a row is taken for dead (hung or killed).
MISSED_BEATS = 3


@dataclass(frozen=True)
class WatcherMark:
    """What ``watch.json`` says. Times are seconds since the epoch, on the watcher's clock."""

    pid: int
    host: str
    started: float
    heartbeat: float
    #: Seconds between heartbeats.
    interval: float
    #: Builds run since it started.
    builds: int = 0
    #: Where its changes come from: "folder" or the database's name.
    source: str = "folder"

    def alive(self, now: float) -> bool:
        """Whether the watcher still runs, as seen at ``now``: a fresh heartbeat and, when it
        runs on this host, a live pid (a killed watcher is seen at once, a hung one once its
        heartbeats stop)."""
        if now - self.heartbeat > MISSED_BEATS * self.interval:
            return False
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # another user's process: it exists
        return True


def write_mark(state_dir: Path, mark: WatcherMark) -> None:
    """Write ``watch.json`` atomically (a temporary file beside it, then a rename)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / WATCHER_FILE
    temp = state_dir / f".{WATCHER_FILE}.{os.getpid()}.tmp"
    try:
        temp.write_text(json.dumps(asdict(mark), sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def read_mark(state_dir: Path) -> WatcherMark | None:
    """What ``watch.json`` says (``None``: no watcher has marked this site, or the file is not
    one this version reads)."""
    try:
        data = json.loads((state_dir / WATCHER_FILE).read_text(encoding="utf-8"))
        return WatcherMark(**data)
    except (OSError, ValueError, TypeError):
        return None


def clear_mark(state_dir: Path, pid: int) -> None:
    """Remove ``watch.json`` if it is still ``pid``'s (a watcher that stops cleanly)."""
    mark = read_mark(state_dir)
    if mark is not None and mark.pid == pid and mark.host == socket.gethostname():
        with suppress(FileNotFoundError):
            (state_dir / WATCHER_FILE).unlink()
