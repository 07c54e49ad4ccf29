"""Keeping the cache in step with the record files: compare a walk of the articles folder
(or only the files a change named) with the files it knows, and store what the changed files
hold, in one transaction.

Which records are shadowed by an earlier one with their id, and which category labels
clash with an earlier one, are worked out here once per change, not on every question.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any

from feedpub.records.listing import Listing
from feedpub.records.parse import ParsedFile
from feedpub.records.periods import archive_period
from feedpub.state.opening import meta, set_meta, stored_json
from feedpub.state.schema import INDEXES, PERIOD_INDEXES
from feedpub.state.values import Changes, FileProblem

__all__ = [
    "Update",
    "changes",
    "changes_named",
    "file_hash",
    "known_files",
    "problems",
    "remember_walk",
    "update",
]

#: From this many files, a cold load drops the indexes and builds them after the rows.
BULK_MIN_FILES = 2000
#: The walk remembered after only named files were looked at: no walk's digest, so the next
#: walk compares every file.
NAMED_ONLY = "named"


def known_files(db: sqlite3.Connection) -> int:
    """How many record files the last walk found."""
    return int(meta(db, "files") or 0)


def changes(
    db: sqlite3.Connection,
    found: Listing | Callable[[], Listing],
    *,
    listing: str | None = None,
    unseen: Callable[[], Sequence[str]] = tuple,
    by_name: Callable[[], bool] = lambda: False,
) -> Changes:
    """Compare a walk of the articles folder (``(path, size, mtime_ns)``, sorted by path)
    with what the cache knows. Known files under a path ``unseen()`` names (a folder,
    ending in "/", or a file the walk could not look at) are kept as they are, not removed.
    ``by_name()``, asked after the walk, says whether a later change may be compared by
    the paths it names (:func:`changes_named`).

    A source that digests its own listing cheaply (a database) passes that digest as
    ``listing`` and ``found`` as a function, called only when the digest is new.
    """
    if listing is not None and listing == meta(db, "walk"):
        return Changes(listing, known_files(db), Listing(), [], _flagged(db), by_name())
    if callable(found):
        found = found()
    listing = listing or found.digest()
    if listing == meta(db, "walk"):
        # Every file has the size and mtime it had last time: nothing to re-read.
        return Changes(listing, len(found), Listing(), [], _flagged(db), by_name())
    if _empty(db):  # a cold build: all of it is new
        return Changes(listing, len(found), found, [], [], by_name())
    changed, removed, flagged = Listing(), [], []
    prefixes = tuple(unseen())
    # Both sides sorted by path (SQLite's byte order of UTF-8 is the order of Python's
    # strings): one pass, and neither side is ever held whole.
    known = db.execute("SELECT path, size, mtime_ns, problems != '[]' FROM files ORDER BY path")
    old = next(known, None)
    for relative, size, mtime_ns in found:
        while old is not None and old[0] < relative:
            if not (prefixes and old[0].startswith(prefixes)):
                removed.append(old[0])
            old = next(known, None)
        if old is not None and old[0] == relative:
            if old[1] == size and old[2] == mtime_ns:
                if old[3]:
                    flagged.append(relative)
            else:
                changed.append(relative, size, mtime_ns)
            old = next(known, None)
        else:
            changed.append(relative, size, mtime_ns)
    while old is not None:  # known files past the last one found
        if not (prefixes and old[0].startswith(prefixes)):
            removed.append(old[0])
        old = next(known, None)
    return Changes(listing, len(found), changed, removed, flagged, by_name())


def changes_named(db: sqlite3.Connection, found: Listing, gone: Sequence[str]) -> Changes | None:
    """Compare only the files a change named with what the cache knows: ``found``, those a
    walk would list (sorted by path), and ``gone``, those it would not. Each is looked up
    by its path, and so is what the cache knows under it as a folder (a folder named like
    a record file, moved away). ``None`` when a walk must tell instead: the last one did
    not allow it (see :func:`changes`), or there was none.

    What changed makes the remembered walk :data:`NAMED_ONLY`, so that the next walk
    compares every file (one changed without an event is found then); the file count
    follows what was added and removed.
    """
    if meta(db, "by_name") != "1" or meta(db, "walk") is None:
        return None
    files = known_files(db)
    changed = Listing()
    removed: set[str] = set()
    for relative, size, mtime_ns in found:
        row = db.execute("SELECT size, mtime_ns FROM files WHERE path = ?", (relative,))
        known = row.fetchone()
        if known is None:
            files += 1
        if known != (size, mtime_ns):
            changed.append(relative, size, mtime_ns)
    for relative in gone:
        if db.execute("SELECT 1 FROM files WHERE path = ?", (relative,)).fetchone():
            removed.add(relative)
    for relative in [*(relative for relative, _, _ in found), *gone]:
        # "/" sorts just before "0": these are the paths under ``relative`` as a folder.
        under = db.execute(
            "SELECT path FROM files WHERE path > ? AND path < ?", (relative + "/", relative + "0")
        )
        removed.update(path for (path,) in under)
    files -= len(removed)
    named = {relative for relative, _, _ in changed} | removed
    flagged = [path for path in _flagged(db) if path not in named]
    listing = NAMED_ONLY if changed or removed else str(meta(db, "walk"))
    return Changes(listing, files, changed, sorted(removed), flagged)


def _flagged(db: sqlite3.Connection) -> list[str]:
    """Files that had problems, to report them again."""
    rows = db.execute("SELECT path FROM files WHERE problems != '[]' ORDER BY path")
    return [path for (path,) in rows]


def problems(db: sqlite3.Connection, path: str) -> list[FileProblem]:
    """The problems a record file had when it was last parsed."""
    row = db.execute("SELECT problems FROM files WHERE path = ?", (path,)).fetchone()
    if row is None:
        return []
    stored = stored_json(row[0], f"its files row for {path!r}", _are_problems)
    return [FileProblem(*fields) for fields in stored]


def _are_problems(value: Any) -> bool:
    """Whether ``value`` is what :func:`_problems_json` writes."""
    return isinstance(value, list) and all(
        isinstance(fields, list)
        and len(fields) == 5
        and fields[0] in ("error", "warning")
        and isinstance(fields[1], str)
        and (fields[2] is None or type(fields[2]) is int)
        and all(field is None or isinstance(field, str) for field in fields[3:])
        for fields in value
    )


def file_hash(db: sqlite3.Connection, path: str) -> str | None:
    """The content hash of a record file as last parsed, if it is known."""
    row = db.execute("SELECT hash FROM files WHERE path = ?", (path,)).fetchone()
    return None if row is None else str(row[0])


@contextmanager
def update(db: sqlite3.Connection, changes: Changes) -> Iterator[Update]:
    """Apply ``changes`` in one transaction: the block adds, replaces and removes files;
    on leaving it, duplicates and label conflicts are worked out again and the walk is
    remembered. An exception rolls everything back."""
    db.execute("BEGIN")
    try:
        cold = _empty(db)
        bulk = cold and len(changes.changed) >= BULK_MIN_FILES
        if bulk:
            for statement in INDEXES:
                db.execute("DROP INDEX IF EXISTS " + _index_name(statement))
        update = Update(db, _next_rid(db), cold=cold)
        for relative in changes.removed:
            update.remove(relative)
        yield update
        update.flush()
        if bulk:
            for statement in INDEXES:
                if update.periods or statement not in PERIOD_INDEXES:
                    db.execute(statement)
        elif update.periods:  # a load without periods left them out (archives were off)
            for statement in PERIOD_INDEXES:
                db.execute(statement)
        if update.touched_records:
            _mark_duplicates(db)
            _find_label_conflicts(db)
        remember_walk(db, changes)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite ends a transaction itself on some errors (disk full)
            db.execute("ROLLBACK")
        raise


def repartition(db: sqlite3.Connection, granularity: str | None, zone: tzinfo) -> None:
    """Give every stored record the archive period of ``granularity`` (``None``: archives off)
    in ``zone``, unless its records are known to have them: a new ``archive`` moves them to
    other pages without parsing any again (a record's period is its stored publish instant
    in the site's zone, as parsing gives it)."""
    wanted = granularity or "off"
    if meta(db, "archive") == wanted:
        return
    db.execute("BEGIN")
    try:
        if granularity is None:
            db.execute("UPDATE records SET period = ''")
        else:

            def period(published: float) -> str:
                return archive_period(datetime.fromtimestamp(published, UTC), zone, granularity)

            db.create_function("feedpub_period", 1, period, deterministic=True)
            db.execute("UPDATE records SET period = feedpub_period(published)")
            for statement in PERIOD_INDEXES:  # archives were off: the load left them out
                db.execute(statement)
        db.execute(
            "UPDATE record_categories SET period ="
            " (SELECT r.period FROM records r WHERE r.rid = record_categories.rid)"
        )
        set_meta(db, "archive", wanted)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _index_name(statement: str) -> str:
    """The name a ``CREATE INDEX [IF NOT EXISTS] name ON ...`` statement gives its index."""
    return statement.split(" ON ", 1)[0].split()[-1]


def remember_walk(db: sqlite3.Connection, changes: Changes) -> None:
    """Remember the walk (its digest and file count, whether a change may be read by name),
    so the next one can be compared."""
    set_meta(db, "walk", changes.listing)
    set_meta(db, "files", str(changes.files))
    if changes.by_name is not None:
        set_meta(db, "by_name", "1" if changes.by_name else "0")


def _empty(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None


def _next_rid(db: sqlite3.Connection) -> int:
    (top,) = db.execute("SELECT COALESCE(MAX(rid), 0) FROM records").fetchone()
    return int(top) + 1


def _mark_duplicates(db: sqlite3.Connection) -> None:
    """Shadow every record whose id an earlier one (in path order) already has."""
    db.execute("UPDATE records SET shadowed = 0 WHERE shadowed = 1")
    db.execute(
        """
        UPDATE records SET shadowed = 1 WHERE rid IN (
            SELECT rid FROM (
                SELECT rid, ROW_NUMBER() OVER (PARTITION BY id ORDER BY path, ord) AS n
                FROM records
                WHERE id IN (SELECT id FROM records GROUP BY id HAVING COUNT(*) > 1)
            ) WHERE n > 1
        )
        """
    )


def _find_label_conflicts(db: sqlite3.Connection) -> None:
    """Work out, once per change, every label that shares a term with an earlier one."""
    rows = db.execute(
        """
        SELECT rc.term, rc.label, rc.scheme, r.path, r.line, r.id FROM record_categories rc
        JOIN records r ON r.rid = rc.rid
        WHERE rc.term IN (
            SELECT term FROM record_categories GROUP BY term HAVING MIN(label) != MAX(label)
        )
        ORDER BY rc.term, rc.path, rc.ord
        """
    ).fetchall()
    conflicts = []
    first: dict[str, tuple[str, str | None]] = {}
    reported: set[tuple[str, str]] = set()
    for term, label, scheme, path, line, record_id in rows:
        first_label, first_scheme = first.setdefault(term, (label, scheme))
        if first_label != label and (term, label) not in reported:
            reported.add((term, label))
            conflicts.append(
                (term, first_label, first_scheme, label, scheme, path, line, record_id)
            )
    db.execute("DELETE FROM label_conflicts")
    db.executemany("INSERT INTO label_conflicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", conflicts)


#: Lists as a JSON column stores them: one encoder for every file, not one made per call as
#: ``json.dumps(value, ensure_ascii=False)`` does (a tenth of the parent's cost per file).
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _problems_json(parsed: ParsedFile) -> str:
    """The problems column of a parsed file: (level, reason, line, record, field) each."""
    if not parsed.errors and not parsed.warnings:
        return "[]"  # nearly every file: what the encoder gives, without its cost
    return _to_json(
        [("error", e.reason, e.line, e.record, e.field) for e in parsed.errors]
        + [("warning", w.reason, w.line, w.record, w.field) for w in parsed.warnings]
    )


class Update:
    """The changes of one sync, in one transaction (see :meth:`BuildState.update`).

    Rows wait and go in by one ``executemany`` per few thousand, not per file.
    """

    SIZE = 5000

    def __init__(self, db: sqlite3.Connection, first_rid: int, *, cold: bool) -> None:
        self._db = db
        self._rid = first_rid
        #: It began with no file known (a cold build): no file parsed in it can have a
        #: stored hash, so none is looked up.
        self.cold = cold
        self._files: list[tuple[Any, ...]] = []
        self._records: list[tuple[Any, ...]] = []
        self._categories: list[tuple[Any, ...]] = []
        #: Whether any record was added or removed (duplicates and labels need a look).
        self.touched_records = False
        #: Whether a record stored has an archive period (archives are on): the indexes
        #: of periods are needed.
        self.periods = False

    def remove(self, relative: str) -> None:
        """Forget a record file and its records."""
        self.touched_records = True
        db = self._db
        db.execute(
            "DELETE FROM record_categories WHERE rid IN (SELECT rid FROM records WHERE path = ?)",
            (relative,),
        )
        db.execute("DELETE FROM records WHERE path = ?", (relative,))
        db.execute("DELETE FROM files WHERE path = ?", (relative,))

    def touch(self, relative: str, size: int, mtime_ns: int) -> None:
        """A file touched but not changed (a checkout, a copy): only its stat is new."""
        self._db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, relative)
        )

    def replace(self, parsed: ParsedFile, *, known: bool) -> None:
        """Store a parsed file, in place of what a ``known`` file held before."""
        if known:
            self.remove(parsed.path)
        self.touched_records = True
        path = parsed.path
        self._files.append(
            (path, parsed.size, parsed.mtime_ns, parsed.file_hash, _problems_json(parsed))
        )
        for row in parsed.records:
            if row.period:
                self.periods = True
            rid = self._rid
            self._rid += 1
            shown = row.shown
            self._records.append(
                (
                    rid,
                    path,
                    row.order,
                    row.id,
                    row.line,
                    row.url,
                    row.title,
                    row.published,
                    row.updated,
                    int(row.draft),
                    row.digest,
                    row.period,
                    # Two 28-bit numbers from what an entry shows: an archive page's
                    # fingerprint sums them.
                    int(shown[:7], 16),
                    int(shown[7:14], 16),
                )
            )
            self._categories.extend(
                (rid, term, label, scheme, row.published, row.id, path, row.order, row.period)
                for term, label, scheme in row.categories
            )
        if len(self._records) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        """Insert everything waiting."""
        db = self._db
        db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)", self._files)
        db.executemany(
            "INSERT INTO records (rid, path, ord, id, line, url, title, published, updated,"
            " draft, digest, period, k1, k2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._records,
        )
        db.executemany(
            "INSERT INTO record_categories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._categories
        )
        self._files, self._records, self._categories = [], [], []
