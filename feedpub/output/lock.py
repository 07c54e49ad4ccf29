"""One build per state directory at a time: an ``fcntl.flock`` on a lock file there.

The kernel drops a flock when its holder dies, however it dies, so a killed
run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from feedpub.errors import ConfigError, LockedError

__all__ = ["LOCK_FILE", "build_lock"]

LOCK_FILE = "lock"
_POLL_SECONDS = 0.05


@contextmanager
def build_lock(state_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the state directory's lock for the ``with`` block.

    Waits up to ``wait`` seconds for another build to finish, then raises
    :class:`LockedError` (exit 75, EX_TEMPFAIL). A state folder that cannot be
    created or written is a :class:`ConfigError`.
    """
    path = state_dir / LOCK_FILE
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ConfigError(
            f"cannot use the state folder: {exc.strerror} (pass --state DIR)", path=str(state_dir)
        ) from None
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(str(path), wait) from None
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the operator who looks; not trusted
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
