"""One build at a time: an ``fcntl.flock`` in the state directory, or, when the records come
from PostgreSQL, an advisory lock there, so that cron on several hosts never builds at once.

The kernel drops a flock when its holder dies, however it dies, and the server
drops an advisory lock when its session ends (the process dies, the connection
breaks), so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedpub.errors import ConfigError, LockedError

if TYPE_CHECKING:
    import psycopg

__all__ = ["LOCK_FILE", "advisory_lock", "build_lock"]

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


@contextmanager
def advisory_lock(
    connection: psycopg.Connection[Any], key: int, wait: float = 0.0, shown: str = ""
) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock ``key`` on ``connection`` for the block.

    Waits up to ``wait`` seconds for the session holding it, then raises
    :class:`LockedError` (exit 75), as :func:`build_lock` does. The connection
    must stay open for the block: closing it releases the lock.
    """
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if row is not None and row[0]:
            break
        if time.monotonic() >= deadline:
            raise LockedError(shown or f"advisory lock {key}", wait)
        time.sleep(_POLL_SECONDS * 4)  # each try is a round trip to the server
    try:
        yield
    finally:
        from psycopg.pq import TransactionStatus  # only a database source gets here

        # In a failed transaction the unlock cannot run; closing the session releases it.
        if (
            not connection.closed
            and connection.info.transaction_status != TransactionStatus.INERROR
        ):
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
