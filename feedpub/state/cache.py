"""The build state: an SQLite cache of every record file and every published feed.

It records, for each record file, its size, mtime and content hash with the
metadata of its records (never their bodies) and their problems; for each
published feed, the digest of what it showed and the hash of the bytes this
build wrote; and how the last build ended. A missing, corrupt or
foreign-version cache is thrown away and rebuilt from the files
(:func:`open_state` does that), with byte-identical feeds as the result.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from feedpub.errors import StateError
from feedpub.model import Category
from feedpub.records.listing import Listing
from feedpub.records.parse import ParsedFile
from feedpub.state.schema import DATABASE, INDEXES, SCHEMA_VERSION, TABLES

__all__ = [
    "ArchivePage",
    "BuildState",
    "Changes",
    "Duplicate",
    "FileProblem",
    "IndexedEntry",
    "LabelConflict",
    "LastBuild",
    "PublishedFeed",
    "open_state",
]

T = TypeVar("T")

#: From this many files, a cold load drops the indexes and builds them after the rows.
BULK_MIN_FILES = 2000


class FileProblem(NamedTuple):
    """A problem a record file had when it was parsed, kept so unchanged files report it again."""

    level: str  # "error" or "warning"
    reason: str
    line: int | None
    record: str | None
    field: str | None


class ArchivePage(NamedTuple):
    """One archive page as the records make it now: which feed (``term``), which period, and a
    fingerprint of its entries that changes whenever an entry comes, goes or changes."""

    term: str | None
    period: str
    size: int  # entries
    fingerprint: str


class PublishedFeed(NamedTuple):
    """A feed file as the last build wrote it."""

    digest: str  # of what it shows: entries, labels, config, feedpub version
    size: int
    mtime_ns: int
    sha: str  # of the bytes this build wrote
    entries: tuple[tuple[str, str], ...]  # (entry id, record digest) it showed, in order


@dataclass(frozen=True)
class IndexedEntry:
    """A record as the cache knows it: enough to select, order and fetch it."""

    rid: int
    id: str
    path: str
    digest: str
    url: str | None
    published: float


@dataclass(frozen=True)
class LastBuild:
    """How the last build that wrote ended."""

    #: Every planned feed was published (nothing refused, withheld or read mid-edit).
    complete: bool
    #: It ran with a clock (``now``), so entries dated later were withheld.
    clocked: bool
    #: When the earliest withheld entry falls due, if any.
    next_due: float | None
    #: What shaped its documents besides their entries (the config's feeds fingerprint): a
    #: new title, limit or format leaves the records as they are but every document stale.
    feeds: str = ""


@dataclass(frozen=True)
class Duplicate:
    """A record left out because an earlier one (in path order) has its id."""

    path: str
    line: int | None
    id: str
    first_path: str
    first_line: int | None


@dataclass(frozen=True)
class LabelConflict:
    """A category label whose term an earlier label already has: the first label is shown."""

    first: Category
    later: Category
    path: str
    line: int | None
    id: str


@dataclass(frozen=True)
class Changes:
    """How the articles folder differs from what the cache knows."""

    listing: str  # digest of the walk
    files: int
    #: New or changed (by size or mtime) files, as (relative path, size, mtime_ns).
    changed: Listing
    removed: list[str]
    #: Unchanged files that had problems (to report them again).
    flagged: list[str]

    @property
    def any(self) -> bool:
        """True when some file was added, changed or removed."""
        return bool(self.changed or self.removed)


def _connect(target: str) -> sqlite3.Connection:
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _discard(state_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (state_dir / (DATABASE + suffix)).unlink(missing_ok=True)


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "disk is full" in str(exc)
    )


@contextmanager
def open_state(
    state_dir: Path | None,
    version: str,
    fingerprint: str,
    *,
    scratch: bool = False,
    full: bool = False,
) -> Iterator[Callable[[Callable[[BuildState], T]], tuple[T, str | None]]]:
    """Yield ``run``: ``run(work)`` calls ``work(state)`` and returns its result with a note
    when the cache had to be rebuilt. A cache that breaks during the work (corrupt, truncated)
    is discarded and the work done once more from the records. A full disk is a
    :class:`~feedpub.errors.StateError`.

    ``state_dir=None`` keeps the cache in memory (a full build); ``scratch`` works on an
    in-memory copy and leaves the stored cache untouched (dry runs); ``full`` starts empty.
    """

    def run(work: Callable[[BuildState], T]) -> tuple[T, str | None]:
        try:
            try:
                with BuildState(state_dir, version, fingerprint, scratch=scratch) as state:
                    if full:
                        state.reset()
                    return work(state), state.rebuilt_reason
            except sqlite3.DatabaseError as exc:
                if _disk_full(exc):
                    raise
                if not scratch and state_dir is not None:
                    _discard(state_dir)
                with BuildState(state_dir, version, fingerprint, scratch=scratch) as state:
                    return work(state), f"unreadable ({exc}): rebuilt"
        except (sqlite3.DatabaseError, OSError) as exc:
            if not _disk_full(exc):
                raise
            raise StateError(
                str(state_dir),
                "disk full: cannot update the build cache; published feeds are valid (old or "
                "new) and the next build after space is freed repairs the rest",
            ) from None

    yield run


class BuildState:
    """The cache of one articles folder, in ``state_dir`` (in memory when it is ``None``)."""

    def __init__(
        self, state_dir: Path | None, version: str, fingerprint: str, *, scratch: bool = False
    ) -> None:
        """Open (or create) the cache; with ``scratch``, work on an in-memory copy of it."""
        self.state_dir = state_dir
        self.scratch = scratch
        self._identity = {"schema": SCHEMA_VERSION, "feedpub": version, "config": fingerprint}
        #: Why a stored cache was not used, if it was not.
        self.rebuilt_reason: str | None = None
        #: True during an update that began with no file known (a cold build): no file
        #: parsed in it can have a stored hash, so none is looked up.
        self._cold = False
        self.db = self._open()

    # -- opening -----------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self.state_dir is None:
            return self._fresh(_connect(":memory:"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / DATABASE
        if path.exists():
            try:
                db = _connect(str(path))
                try:
                    found = dict(db.execute("SELECT key, value FROM meta").fetchall())
                except sqlite3.DatabaseError:
                    db.close()
                    raise
                if all(found.get(k) == v for k, v in self._identity.items()):
                    return self._scratch_copy(db) if self.scratch else db
                db.close()
                self.rebuilt_reason = "made by another feedpub version or config: rebuilt"
            except sqlite3.DatabaseError as exc:
                if _disk_full(exc):
                    raise
                self.rebuilt_reason = f"unreadable ({exc}): rebuilt"
            if not self.scratch:
                _discard(self.state_dir)
        return self._fresh(_connect(":memory:" if self.scratch else str(path)))

    def _scratch_copy(self, db: sqlite3.Connection) -> sqlite3.Connection:
        copy = _connect(":memory:")
        db.backup(copy)
        db.close()
        return copy

    def _fresh(self, db: sqlite3.Connection) -> sqlite3.Connection:
        db.executescript(TABLES)
        for statement in INDEXES:
            db.execute(statement)
        db.executemany("INSERT INTO meta VALUES (?, ?)", self._identity.items())
        return db

    def reset(self) -> None:
        """Forget everything (``--full``): the next sync re-reads every file."""
        self.db.close()
        on_disk = self.state_dir is not None and not self.scratch
        if on_disk and self.state_dir is not None:
            _discard(self.state_dir)
            self.db = self._fresh(_connect(str(self.state_dir / DATABASE)))
        else:
            self.db = self._fresh(_connect(":memory:"))

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> BuildState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta --------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def known_files(self) -> int:
        """How many record files the last walk found."""
        return int(self._meta("files") or 0)

    def last_build(self) -> LastBuild | None:
        """How the last build that wrote ended (``None``: none did, or it did not finish)."""
        stored = self._meta("last_build")
        if stored is None:
            return None
        fields = json.loads(stored)
        return LastBuild(
            bool(fields["complete"]),
            bool(fields["clocked"]),
            fields["next_due"],
            str(fields.get("feeds", "")),
        )

    def start_build(self) -> None:
        """Forget how the last build ended: until this one finishes, nothing is trusted."""
        self.db.execute("DELETE FROM meta WHERE key = 'last_build'")

    def finish_build(self, outcome: LastBuild) -> None:
        """Remember how this build ended, for the next one."""
        self._set_meta("last_build", json.dumps(vars(outcome)))

    # -- the articles folder -------------------------------------------------------

    def changes(
        self,
        found: Listing | Callable[[], Listing],
        *,
        listing: str | None = None,
        unseen: Callable[[], Sequence[str]] = tuple,
    ) -> Changes:
        """Compare a walk of the articles folder (``(path, size, mtime_ns)``, sorted by path)
        with what the cache knows. Known files under a path ``unseen()`` names (a folder,
        ending in "/", or a file the walk could not look at) are kept as they are, not removed.

        A source that digests its own listing cheaply (a database) passes that digest as
        ``listing`` and ``found`` as a function, called only when the digest is new.
        """
        if listing is not None and listing == self._meta("walk"):
            return Changes(listing, self.known_files, Listing(), [], self._flagged())
        if callable(found):
            found = found()
        listing = listing or found.digest()
        if listing == self._meta("walk"):
            # Every file has the size and mtime it had last time: nothing to re-read.
            return Changes(listing, len(found), Listing(), [], self._flagged())
        if self._empty():
            return Changes(listing, len(found), found, [], [])  # a cold build: all of it is new
        changed, removed, flagged = Listing(), [], []
        prefixes = tuple(unseen())
        # Both sides sorted by path (SQLite's byte order of UTF-8 is the order of Python's
        # strings): one pass, and neither side is ever held whole.
        known = self.db.execute(
            "SELECT path, size, mtime_ns, problems != '[]' FROM files ORDER BY path"
        )
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
        return Changes(listing, len(found), changed, removed, flagged)

    def _flagged(self) -> list[str]:
        """Files that had problems, to report them again."""
        rows = self.db.execute("SELECT path FROM files WHERE problems != '[]' ORDER BY path")
        return [path for (path,) in rows]

    def problems(self, path: str) -> list[FileProblem]:
        """The problems a record file had when it was last parsed."""
        row = self.db.execute("SELECT problems FROM files WHERE path = ?", (path,)).fetchone()
        return [FileProblem(*fields) for fields in json.loads(row[0])] if row else []

    def file_hash(self, path: str) -> str | None:
        """The content hash of a record file as last parsed, if it is known."""
        if self._cold:
            return None  # one query per file would cost a cold build ~1 s per 100,000 files
        row = self.db.execute("SELECT hash FROM files WHERE path = ?", (path,)).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def update(self, changes: Changes) -> Iterator[Update]:
        """Apply ``changes`` in one transaction: the block adds, replaces and removes files;
        on leaving it, duplicates and label conflicts are worked out again and the walk is
        remembered. An exception rolls everything back."""
        db = self.db
        db.execute("BEGIN")
        try:
            self._cold = self._empty()
            bulk = self._cold and len(changes.changed) >= BULK_MIN_FILES
            if bulk:
                for statement in INDEXES:
                    db.execute("DROP INDEX " + statement.split()[2])
            update = Update(db, self._next_rid())
            for relative in changes.removed:
                update.remove(relative)
            yield update
            update.flush()
            if bulk:
                for statement in INDEXES:
                    db.execute(statement)
            if update.touched_records:
                self._mark_duplicates()
                self._find_label_conflicts()
            self.remember_walk(changes)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite ends a transaction itself on some errors (disk full)
                db.execute("ROLLBACK")
            raise
        finally:
            self._cold = False

    def remember_walk(self, changes: Changes) -> None:
        """Remember the walk (its digest and file count), so the next one can be compared."""
        self._set_meta("walk", changes.listing)
        self._set_meta("files", str(changes.files))

    def _empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    def _next_rid(self) -> int:
        (top,) = self.db.execute("SELECT COALESCE(MAX(rid), 0) FROM records").fetchone()
        return int(top) + 1

    def _mark_duplicates(self) -> None:
        """Shadow every record whose id an earlier one (in path order) already has."""
        db = self.db
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

    def _find_label_conflicts(self) -> None:
        """Work out, once per change, every label that shares a term with an earlier one."""
        rows = self.db.execute(
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
        self.db.execute("DELETE FROM label_conflicts")
        self.db.executemany(
            "INSERT INTO label_conflicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", conflicts
        )

    # -- what the records hold ------------------------------------------------------

    def record_count(self) -> int:
        """How many good records the cache holds."""
        (count,) = self.db.execute("SELECT COUNT(*) FROM records").fetchone()
        return int(count)

    def duplicates(self) -> list[Duplicate]:
        """Every record left out because its id was taken, in path order."""
        rows = self.db.execute(
            """
            SELECT r.path, r.line, r.id, f.path, f.line FROM records r
            JOIN records f ON f.id = r.id AND f.shadowed = 0
            WHERE r.shadowed = 1 ORDER BY r.path, r.ord
            """
        )
        return [Duplicate(*row) for row in rows]

    def label_conflicts(self) -> list[LabelConflict]:
        """Labels sharing a term with an earlier label, in term and path order."""
        rows = self.db.execute("SELECT * FROM label_conflicts ORDER BY rowid")
        return [
            LabelConflict(
                Category(term, first_label, first_scheme),
                Category(term, label, scheme),
                path,
                line,
                record_id,
            )
            for term, first_label, first_scheme, label, scheme, path, line, record_id in rows
        ]

    def categories(self) -> dict[str, Category]:
        """Every category term with the label first read for it (in path order), by term."""
        terms = [
            term
            for (term,) in self.db.execute(
                "SELECT DISTINCT term FROM record_categories ORDER BY term"
            )
        ]
        found = {}
        for term in terms:
            label, scheme = self.db.execute(
                "SELECT label, scheme FROM record_categories WHERE term = ?"
                " ORDER BY path, ord LIMIT 1",
                (term,),
            ).fetchone()
            found[term] = Category(term, label, scheme)
        return found

    def newest(self, term: str | None, limit: int, now: float | None) -> list[IndexedEntry]:
        """The ``limit`` newest live entries, overall or of one category, newest first."""
        due = float("inf") if now is None else now
        if term is None:
            rows = self.db.execute(
                """
                SELECT rid, id, path, digest, url, published FROM records
                WHERE draft = 0 AND shadowed = 0 AND published <= ?
                ORDER BY published DESC, id LIMIT ?
                """,
                (due, limit),
            )
        else:
            rows = self.db.execute(
                """
                SELECT r.rid, r.id, r.path, r.digest, r.url, r.published
                FROM record_categories rc JOIN records r ON r.rid = rc.rid
                WHERE rc.term = ? AND r.draft = 0 AND r.shadowed = 0 AND r.published <= ?
                ORDER BY rc.published DESC, rc.id LIMIT ?
                """,
                (term, due, limit),
            )
        return [IndexedEntry(*row) for row in rows]

    def archive_pages(self, now: float | None, categories: bool) -> list[ArchivePage]:
        """Every archive page with a live entry, by feed (the site's first, then categories by
        term) and period, oldest first; ``categories=False``: the site's only.

        One grouped query per kind of feed: the fingerprint is the count and two sums of
        numbers taken from each entry's record digest, so that no entry is read here.
        """
        due = float("inf") if now is None else now
        rows = list(
            self.db.execute(
                """
                SELECT NULL, period, COUNT(*), SUM(k1), SUM(k2) FROM records
                WHERE draft = 0 AND shadowed = 0 AND published <= ?
                GROUP BY period ORDER BY period
                """,
                (due,),
            )
        )
        if categories:
            rows.extend(
                self.db.execute(
                    """
                    SELECT rc.term, r.period, COUNT(*), SUM(r.k1), SUM(r.k2)
                    FROM record_categories rc JOIN records r ON r.rid = rc.rid
                    WHERE r.draft = 0 AND r.shadowed = 0 AND r.published <= ?
                    GROUP BY rc.term, r.period ORDER BY rc.term, r.period
                    """,
                    (due,),
                )
            )
        return [
            ArchivePage(term, period, count, f"{count}.{k1}.{k2}")
            for term, period, count, k1, k2 in rows
        ]

    def page_entries(self, term: str | None, period: str, now: float | None) -> list[IndexedEntry]:
        """The live entries of one archive page, newest first."""
        due = float("inf") if now is None else now
        if term is None:
            rows = self.db.execute(
                """
                SELECT rid, id, path, digest, url, published FROM records
                WHERE period = ? AND draft = 0 AND shadowed = 0 AND published <= ?
                ORDER BY published DESC, id
                """,
                (period, due),
            )
        else:
            rows = self.db.execute(
                """
                SELECT r.rid, r.id, r.path, r.digest, r.url, r.published
                FROM record_categories rc JOIN records r ON r.rid = rc.rid
                WHERE rc.term = ? AND r.period = ? AND r.draft = 0 AND r.shadowed = 0
                    AND r.published <= ?
                ORDER BY rc.published DESC, rc.id
                """,
                (term, period, due),
            )
        return [IndexedEntry(*row) for row in rows]

    def next_due(self, now: float | None) -> float | None:
        """When the earliest withheld (future) entry falls due, if any."""
        if now is None:
            return None
        (due,) = self.db.execute(
            "SELECT MIN(published) FROM records WHERE draft = 0 AND shadowed = 0 AND published > ?",
            (now,),
        ).fetchone()
        return float(due) if due is not None else None

    # -- what was published -------------------------------------------------------------

    def published(self) -> dict[str, PublishedFeed]:
        """What each published feed file was, by path."""
        return {
            path: PublishedFeed(
                digest, size, mtime_ns, sha, tuple(tuple(pair) for pair in json.loads(entries))
            )
            for path, digest, size, mtime_ns, sha, entries in self.db.execute(
                "SELECT path, digest, size, mtime_ns, sha, entries FROM feeds"
            )
        }

    def record_feed(self, path: str, feed: PublishedFeed) -> None:
        """Remember what a feed file now holds."""
        self.db.execute(
            "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?, ?, ?)",
            (path, feed.digest, feed.size, feed.mtime_ns, feed.sha, json.dumps(feed.entries)),
        )

    def forget_feed(self, path: str) -> None:
        """Forget a feed file that was removed."""
        self.db.execute("DELETE FROM feeds WHERE path = ?", (path,))

    def previous_ids(self, urls: Iterable[str]) -> dict[str, str]:
        """The id each URL was last published under."""
        found: dict[str, str] = {}
        pending = list(urls)
        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT url, id FROM published_urls WHERE url IN ({marks})", chunk
                ).fetchall()
            )
        return found

    def remember_urls(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record the id each published URL now has."""
        self.db.executemany("INSERT OR REPLACE INTO published_urls VALUES (?, ?)", pairs)

    # -- WebSub ---------------------------------------------------------------------------

    def unannounced(self) -> dict[str, list[str]]:
        """The feed URLs each hub has not been told of yet, by hub, URLs sorted."""
        found: dict[str, list[str]] = {}
        for hub, url in self.db.execute("SELECT hub, url FROM unannounced ORDER BY hub, url"):
            found.setdefault(hub, []).append(url)
        return found

    def owe_hubs(self, hubs: Iterable[str], url: str) -> None:
        """Remember that each of ``hubs`` has to be told of ``url``."""
        self.db.executemany(
            "INSERT OR IGNORE INTO unannounced VALUES (?, ?)", ((hub, url) for hub in hubs)
        )

    def set_unannounced(self, hub: str, urls: Iterable[str]) -> None:
        """Remember exactly ``urls`` as the feeds ``hub`` still has to be told of."""
        self.db.execute("DELETE FROM unannounced WHERE hub = ?", (hub,))
        self.db.executemany(
            "INSERT OR IGNORE INTO unannounced VALUES (?, ?)", ((hub, url) for url in urls)
        )


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

    def __init__(self, db: sqlite3.Connection, first_rid: int) -> None:
        self._db = db
        self._rid = first_rid
        self._files: list[tuple[Any, ...]] = []
        self._records: list[tuple[Any, ...]] = []
        self._categories: list[tuple[Any, ...]] = []
        #: Whether any record was added or removed (duplicates and labels need a look).
        self.touched_records = False

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
                (rid, term, label, scheme, row.published, row.id, path, row.order)
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
            "INSERT INTO record_categories VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._categories
        )
        self._files, self._records, self._categories = [], [], []
