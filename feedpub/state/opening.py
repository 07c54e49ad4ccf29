"""Opening the cache's SQLite database, and throwing it away when it cannot be used.

A stored cache is used only when its identity (the schema version, the feedpub
version and the config fingerprint, kept in the ``meta`` table) is the one asked
for; otherwise, or when it cannot be read, it is discarded and made again empty.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from feedpub.state.schema import DATABASE, INDEXES, TABLES

__all__ = [
    "discard",
    "disk_full",
    "empty_database",
    "meta",
    "meta_object",
    "open_database",
    "open_reader",
    "set_meta",
    "stored_json",
]


def _connect(target: str) -> sqlite3.Connection:
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def discard(state_dir: Path) -> None:
    """Remove the stored cache and its write-ahead log."""
    for suffix in ("", "-wal", "-shm"):
        (state_dir / (DATABASE + suffix)).unlink(missing_ok=True)


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or the quota) is full."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "disk is full" in str(exc)
    )


def open_database(
    state_dir: Path | None, identity: dict[str, str], *, scratch: bool
) -> tuple[sqlite3.Connection, str | None]:
    """Open (or create) the cache with ``identity``, and say why a stored one was not used,
    if it was not; with ``scratch``, work on an in-memory copy of it."""
    rebuilt_reason: str | None = None
    if state_dir is None:
        return _fresh(_connect(":memory:"), identity), rebuilt_reason
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / DATABASE
    if path.exists():
        try:
            db = _connect(str(path))
            try:
                found = dict(db.execute("SELECT key, value FROM meta").fetchall())
            except sqlite3.DatabaseError:
                db.close()
                raise
            if all(found.get(k) == v for k, v in identity.items()):
                return (_scratch_copy(db) if scratch else db), rebuilt_reason
            db.close()
            rebuilt_reason = "made by another feedpub version or config: rebuilt"
        except sqlite3.DatabaseError as exc:
            if disk_full(exc):
                raise
            rebuilt_reason = f"unreadable ({exc}): rebuilt"
        if not scratch:
            discard(state_dir)
    return _fresh(_connect(":memory:" if scratch else str(path)), identity), rebuilt_reason


def open_reader(state_dir: Path) -> sqlite3.Connection | None:
    """The stored cache opened read-only, whatever its identity (``None``: there is none, or it
    cannot be read): for looking while a build may be writing, never for building."""
    path = state_dir / DATABASE
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        db.execute("SELECT count(*) FROM meta").fetchone()
    except sqlite3.DatabaseError:
        return None
    return db


def empty_database(
    state_dir: Path | None, identity: dict[str, str], *, scratch: bool
) -> sqlite3.Connection:
    """A new, empty cache with ``identity`` in place of the stored one (in memory when
    ``state_dir`` is ``None`` or with ``scratch``, which leaves the stored one as it is)."""
    on_disk = state_dir is not None and not scratch
    if on_disk and state_dir is not None:
        discard(state_dir)
        return _fresh(_connect(str(state_dir / DATABASE)), identity)
    return _fresh(_connect(":memory:"), identity)


def _scratch_copy(db: sqlite3.Connection) -> sqlite3.Connection:
    copy = _connect(":memory:")
    db.backup(copy)
    db.close()
    return copy


def _fresh(db: sqlite3.Connection, identity: dict[str, str]) -> sqlite3.Connection:
    db.executescript(TABLES)
    for statement in INDEXES:
        db.execute(statement)
    db.executemany("INSERT INTO meta VALUES (?, ?)", identity.items())
    return db


# -- the meta table: the identity, the last walk and how the last build ended --------


def meta(db: sqlite3.Connection, key: str) -> str | None:
    """A value of the meta table, if it is there."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_object(
    db: sqlite3.Connection, key: str, fields: dict[str, type | tuple[type, ...]]
) -> dict[str, Any] | None:
    """A JSON object of the meta table (``None`` when it is not there), holding each of
    ``fields`` as a value of its type (or one of its types). Anything else is a corrupt cache: a
    :class:`sqlite3.DatabaseError`, on which a build discards the state and starts again
    (``open_state``), as for a damaged file."""
    stored = meta(db, key)
    if stored is None:
        return None
    value: dict[str, Any] = stored_json(
        stored,
        f"its {key!r} value",
        lambda value: (
            isinstance(value, dict)
            and all(isinstance(value.get(name), kind) for name, kind in fields.items())
        ),
    )
    return value


def stored_json(stored: str, what: str, valid: Callable[[Any], bool]) -> Any:
    """The JSON value ``stored`` in the state, when ``valid`` takes it (``what`` names where it
    was). Anything else is a corrupt cache: a :class:`sqlite3.DatabaseError`, on which a build
    discards the state and starts again (``open_state``), as for a damaged file."""
    try:
        value = json.loads(stored)
    except ValueError:
        pass
    else:
        if valid(value):
            return value
    raise sqlite3.DatabaseError(f"{what} is not what this version writes")


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    """Set a value of the meta table."""
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
