"""The build history: when each build started and ended, how it ended and what it did.

It lives beside the cache in the state folder, in a file of its own
(``history.sqlite3``), because it is not a cache: nothing can rebuild it from the
records. So it survives what throws the cache away (another feedpub version or
config, ``--full``, a corrupt cache); only an unreadable history file is itself
started again. It is written in short transactions (a build writes a row when it
takes the lock and again when it ends; a build locked out writes one row without
the lock), and read without any lock by ``feedpub status``, also while a build runs.

A failure carries a signature (a digest of what went wrong) and the time its streak
began: a run failing exactly as the run before it keeps that time, so that alerting
can tell a new failure from the same one again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FAILURES",
    "HISTORY_FILE",
    "OUTCOMES",
    "BuildRecord",
    "History",
    "read_history",
]

HISTORY_FILE = "history.sqlite3"
#: Bump when the table changes shape: a history of another shape is started again.
HISTORY_SCHEMA = 1
#: How many runs are kept (the newest success is always kept as well).
KEEP_RUNS = 200

#: How a run ended. "running": not yet (or it was killed: "interrupted" once the next build
#: holding the lock sees it); "ok": exit 0; "problems": exit 1 (bad records or feeds; the good
#: ones published unless --strict); "failed": an error stopped it; "locked-out": exit 75.
OUTCOMES = ("running", "ok", "problems", "failed", "locked-out", "interrupted")
#: The outcomes that are failures, for the failing streak.
FAILURES = ("problems", "failed")

_TABLE = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL, ended REAL, outcome TEXT NOT NULL, exit_code INTEGER,
    error TEXT, signature TEXT, failing_since REAL, counts TEXT NOT NULL, stages TEXT NOT NULL
)
"""
_UNREADABLE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_COLUMNS = "id, started, ended, outcome, exit_code, error, signature, failing_since, counts, stages"


@dataclass(frozen=True)
class BuildRecord:
    """One run of ``feedpub build``, as the history holds it. Times are seconds since the
    epoch on the build's clock; ``counts`` are the report's numbers (``records_read``,
    ``documents_written``, ...); ``stages`` are seconds spent per stage."""

    id: int
    started: float
    ended: float | None
    outcome: str
    exit_code: int | None = None
    error: str | None = None
    signature: str | None = None
    #: When the failing streak this run belongs to began (the same failure, run after run).
    failing_since: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def repeated(self) -> bool:
        """Whether this failure is the one the run before it had (a streak older than it)."""
        return self.failing_since is not None and self.failing_since < self.started


def _readable(values: tuple[object, ...]) -> BuildRecord | None:
    """A stored run, or ``None`` for a row damaged since it was written (a hand edit, a bad
    restore): it is passed over, as an unreadable history is, never a traceback."""
    try:
        record = _row(values)
    except (ValueError, TypeError):
        return None
    numbers = (record.counts, record.stages)
    ok = all(
        isinstance(held, dict)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in held.values())
        for held in numbers
    )
    return record if ok else None


def _row(values: tuple[object, ...]) -> BuildRecord:
    (rid, started, ended, outcome, code, error, signature, since, counts, stages) = values
    return BuildRecord(
        int(str(rid)),
        float(str(started)),
        None if ended is None else float(str(ended)),
        str(outcome),
        None if code is None else int(str(code)),
        None if error is None else str(error),
        None if signature is None else str(signature),
        None if since is None else float(str(since)),
        json.loads(str(counts)),
        json.loads(str(stages)),
    )


class History:
    """The history of the builds of one state folder, open for writing."""

    def __init__(self, state_dir: Path) -> None:
        """Open (or create) the history; one that cannot be read is started again."""
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / HISTORY_FILE
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            # Only a file that is not a database (or a damaged one) is started again: a full
            # disk or an I/O error says nothing against what the file holds.
            if getattr(exc, "sqlite_errorcode", None) not in _UNREADABLE:
                raise
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        # Another process (a build locked out) may write a row meanwhile: wait for it a while.
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            # As the cache: a power cut may lose the last row, never the file (WAL).
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != HISTORY_SCHEMA:  # new, or of another shape: made (again)
                db.execute("DROP TABLE IF EXISTS runs")
                db.execute(_TABLE)
                db.execute(f"PRAGMA user_version = {HISTORY_SCHEMA}")
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def begin(self, started: float) -> int:
        """A build took the lock: mark runs left unfinished as interrupted (no build is running
        now but this one) and return this run's id."""
        with self._transaction():
            self.db.execute("UPDATE runs SET outcome = 'interrupted' WHERE outcome = 'running'")
            cursor = self.db.execute(
                "INSERT INTO runs (started, outcome, counts, stages) "
                "VALUES (?, 'running', '{}', '{}')",
                (started,),
            )
        return int(cursor.lastrowid or 0)

    def finish(
        self,
        run_id: int | None,
        record: BuildRecord,
    ) -> BuildRecord:
        """Store how a run ended (``run_id``: the row :meth:`begin` made; ``None``: a run that
        never took the lock), with its failing streak worked out; return what was stored."""
        with self._transaction():
            since = None
            if record.outcome in FAILURES:
                since = record.started
                previous = self._previous_finished(run_id)
                if (
                    previous is not None
                    and previous.outcome == record.outcome
                    and previous.signature == record.signature
                    and previous.failing_since is not None
                ):
                    since = previous.failing_since
            values = (
                record.started,
                record.ended,
                record.outcome,
                record.exit_code,
                record.error,
                record.signature,
                since,
                json.dumps(record.counts, sort_keys=True),
                json.dumps(record.stages, sort_keys=True),
            )
            if run_id is None:
                cursor = self.db.execute(
                    "INSERT INTO runs (started, ended, outcome, exit_code, error, signature, "
                    "failing_since, counts, stages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
                run_id = int(cursor.lastrowid or 0)
            else:
                self.db.execute(
                    "UPDATE runs SET started = ?, ended = ?, outcome = ?, exit_code = ?, "
                    "error = ?, signature = ?, failing_since = ?, counts = ?, stages = ? "
                    "WHERE id = ?",
                    (*values, run_id),
                )
            self._prune()
        stored = self.db.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _row(stored)

    def _previous_finished(self, run_id: int | None) -> BuildRecord | None:
        """The newest run before ``run_id`` that ran (not locked out) and ended."""
        found = self.db.execute(
            f"SELECT {_COLUMNS} FROM runs WHERE id < ? AND outcome NOT IN "
            "('running', 'locked-out') ORDER BY id DESC LIMIT 1",
            (run_id if run_id is not None else 2**62,),
        ).fetchone()
        return None if found is None else _readable(found)

    def _prune(self) -> None:
        self.db.execute(
            "DELETE FROM runs WHERE id <= (SELECT max(id) FROM runs) - ? AND id != "
            "coalesce((SELECT max(id) FROM runs WHERE outcome = 'ok'), -1)",
            (KEEP_RUNS,),
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


def read_history(state_dir: Path, limit: int = KEEP_RUNS + 1) -> list[BuildRecord]:
    """The runs the history holds, newest first, read without writing anything (no lock is
    taken, and a build may be writing meanwhile); none when there is no readable history."""
    path = state_dir / HISTORY_FILE
    if not path.is_file():
        return []
    try:
        with closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        ) as db:
            if db.execute("PRAGMA user_version").fetchone()[0] != HISTORY_SCHEMA:
                return []
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
    except sqlite3.DatabaseError:
        return []
    return [record for row in rows if (record := _readable(row)) is not None]
