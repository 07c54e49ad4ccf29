"""The incremental index: an SQLite cache of every record file, so a rebuild costs what changed.

The index is a cache, never the truth. It records, for each record file, its
size, mtime and content hash with the parsed metadata of its records (never
their bodies), and for each published feed the digest of what it showed and
the bytes it wrote. A missing, corrupt or foreign-version index is thrown away
and rebuilt from the files, with byte-identical feeds as the result.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from feedpub.config import SiteConfig
from feedpub.errors import RecordError, RecordWarning
from feedpub.model import Article, Category
from feedpub.parallel import ordered_map
from feedpub.records.walk import find_record_files

__all__ = ["Index", "IndexedEntry", "PublishedFeed", "SyncResult", "digest_bytes", "digest_text"]

#: Bump when the tables change shape: an index of another shape is rebuilt.
SCHEMA_VERSION = "4"
DATABASE = "index.sqlite3"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL, problems TEXT NOT NULL
);
CREATE TABLE records (
    rid INTEGER PRIMARY KEY, path TEXT NOT NULL, ord INTEGER NOT NULL, id TEXT NOT NULL,
    line INTEGER, url TEXT, title TEXT NOT NULL, published REAL NOT NULL, updated REAL NOT NULL,
    draft INTEGER NOT NULL, digest TEXT NOT NULL, shadowed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE record_categories (
    rid INTEGER NOT NULL, term TEXT NOT NULL, label TEXT NOT NULL, scheme TEXT,
    published REAL NOT NULL, id TEXT NOT NULL, path TEXT NOT NULL, ord INTEGER NOT NULL
);
CREATE TABLE feeds (
    path TEXT PRIMARY KEY, digest TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, sha TEXT NOT NULL, entries TEXT NOT NULL
);
CREATE TABLE published_urls (url TEXT PRIMARY KEY, id TEXT NOT NULL);
"""
# Kept apart from the tables: a cold build loads the tables first and indexes them after,
# which is several times faster than keeping six B-trees sorted row by row.
_INDEXES = (
    "CREATE INDEX records_path ON records (path)",
    "CREATE INDEX records_newest ON records (published DESC, id)",
    "CREATE INDEX records_id ON records (id)",
    "CREATE INDEX categories_newest ON record_categories (term, published DESC, id)",
    "CREATE INDEX categories_first ON record_categories (term, path, ord)",
    "CREATE INDEX categories_rid ON record_categories (rid)",
    "CREATE INDEX categories_labels ON record_categories (term, label)",
)


class PublishedFeed(NamedTuple):
    """A feed file as the last build wrote it."""

    digest: str  # of what it shows: entries, labels, config, feedpub version
    size: int
    mtime_ns: int
    sha: str  # of the bytes written
    entries: str  # JSON list of "id\x1edigest" keys, for dry-run diffs


@dataclass(frozen=True)
class IndexedEntry:
    """A record as the index knows it: enough to select, order and fetch it."""

    rid: int
    id: str
    path: str
    digest: str
    url: str | None
    published: float


@dataclass
class SyncResult:
    """What a sync of the index with the articles folder found."""

    files: int = 0
    records: int = 0
    changed_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    records_changed: int = 0
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when any record file was added, changed or removed."""
        return bool(self.changed_files or self.removed_files)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _problems_json(errors: list[RecordError], warnings: list[RecordWarning]) -> str:
    """A file's problems for the index, without its path: the path is shown as the articles
    folder is named on the run that reports them, which may differ from this one."""
    rows = [["error", e.reason, e.line, e.record, e.field] for e in errors]
    rows += [["warning", w.reason, w.line, w.record, w.field] for w in warnings]
    return json.dumps(rows, ensure_ascii=False)


def _problems_from_json(text: str, shown: str) -> tuple[list[RecordError], list[RecordWarning]]:
    errors: list[RecordError] = []
    warnings: list[RecordWarning] = []
    for level, reason, line, record, name in json.loads(text):
        if level == "error":
            errors.append(RecordError(reason, path=shown, line=line, record=record, field=name))
        else:
            warnings.append(RecordWarning(reason, path=shown, line=line, record=record, field=name))
    return errors, warnings


@dataclass
class _ParsedFile:
    """One record file, read and parsed (in a worker process, for a cold build)."""

    relative: str
    size: int
    mtime_ns: int
    file_hash: str
    problems: str
    #: A ``records`` row (but its rid) for each good record, in file order.
    records: list[tuple[Any, ...]]
    #: Each record's categories as (term, label, scheme), same order.
    categories: list[list[tuple[str, str, str | None]]]
    count: int  # records read, good and bad
    errors: list[RecordError]
    warnings: list[RecordWarning]


def _parse_one(
    root: Path,
    shown: str,
    relative: str,
    size: int,
    mtime_ns: int,
    config: SiteConfig,
    bodies: bool,
) -> _ParsedFile:
    try:
        data = (root / relative).read_bytes()
    except OSError as exc:
        error = RecordError(f"cannot read: {exc.strerror}", path=shown)
        problems = _problems_json([error], [])
        return _ParsedFile(relative, -1, -1, "", problems, [], [], 1, [error], [])
    from feedpub.records.loader import parse_file  # not needed (nor loaded) when nothing changed

    parsed = parse_file(data, relative, shown, config, bodies=bodies)
    records = [
        (
            relative,
            order,
            article.id,
            article.line,
            article.url,
            article.title,
            article.published.timestamp(),
            article.updated.timestamp(),
            int(article.draft),
            digest,
        )
        for order, (article, digest) in enumerate(zip(parsed.articles, parsed.digests, strict=True))
    ]
    categories = [[(c.term, c.label, c.scheme) for c in a.categories] for a in parsed.articles]
    bad = len({(e.line, e.record) for e in parsed.errors})
    return _ParsedFile(
        relative,
        size,
        mtime_ns,
        _digest(data),
        _problems_json(parsed.errors, parsed.warnings),
        records,
        categories,
        len(records) + bad,
        parsed.errors,
        parsed.warnings,
    )


#: Below this many changed files, worker processes cost more than they save.
PARALLEL_MIN_FILES = 2000
#: From this many record files on, the walk itself is shared out between processes.
PARALLEL_WALK = 20000
_CHUNK = 256


def _parse_chunk(
    shared: dict[str, Any], chunk: list[tuple[str, str, int, int]]
) -> list[_ParsedFile]:
    root, config, bodies = shared["root"], shared["config"], shared["bodies"]
    return [
        _parse_one(root, shown, rel, size, mtime, config, bodies)
        for rel, shown, size, mtime in chunk
    ]


def _parse_files(
    root: Path,
    shown_path: Callable[[str], str],
    files: list[tuple[str, int, int]],
    config: SiteConfig,
    bodies: bool,
) -> Iterator[_ParsedFile]:
    """Parse record files in path order, in worker processes when there are many."""
    jobs = [(rel, shown_path(rel), size, mtime) for rel, size, mtime in files]
    chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
    shared = {"root": root, "config": config, "bodies": bodies}
    min_chunks = -(-PARALLEL_MIN_FILES // _CHUNK)
    for parsed_chunk in ordered_map(_parse_chunk, chunks, shared, min_jobs=min_chunks):
        yield from parsed_chunk


def _load_chunk(shared: dict[str, Any], entries: list[tuple[int, str, str]]) -> dict[int, Article]:
    return load_articles(shared["root"], shared["shown_path"], shared["config"], entries)


def load_articles(
    root: Path,
    shown_path: Callable[[str], str],
    config: SiteConfig,
    entries: Iterable[tuple[int, str, str]],
) -> dict[int, Article]:
    """Read full articles (bodies included) for ``(rid, id, path)`` entries, one read per file.

    An entry whose file vanished or no longer holds it (changed since the index
    read it) is left out: the next build reads the file anew.
    """
    from feedpub.records.loader import parse_file

    by_path: dict[str, dict[str, int]] = {}
    for rid, record_id, relative in entries:
        by_path.setdefault(relative, {})[record_id] = rid
    loaded: dict[int, Article] = {}
    for relative in sorted(by_path):
        wanted = by_path[relative]
        try:
            data = (root / relative).read_bytes()
        except OSError:
            continue
        for article in parse_file(data, relative, shown_path(relative), config).articles:
            if article.id in wanted:
                loaded[wanted.pop(article.id)] = article
    return loaded


class _Batch:
    """Rows waiting to be inserted: one executemany per few thousand rows, not per file."""

    SIZE = 5000

    def __init__(self, db: sqlite3.Connection, first_rid: int) -> None:
        self.db = db
        self.rid = first_rid
        self.files: list[tuple[Any, ...]] = []
        self.records: list[tuple[Any, ...]] = []
        self.categories: list[tuple[Any, ...]] = []

    def add(self, parsed: _ParsedFile) -> None:
        self.files.append(
            (parsed.relative, parsed.size, parsed.mtime_ns, parsed.file_hash, parsed.problems)
        )
        for record, categories in zip(parsed.records, parsed.categories, strict=True):
            rid = self.rid
            self.rid += 1
            self.records.append((rid, *record))
            relative, order, record_id, published = record[0], record[1], record[2], record[6]
            self.categories.extend(
                (rid, term, label, scheme, published, record_id, relative, order)
                for term, label, scheme in categories
            )
        if len(self.records) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        """Insert everything waiting."""
        self.db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)", self.files)
        self.db.executemany(
            "INSERT INTO records (rid, path, ord, id, line, url, title, published, updated,"
            " draft, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.records,
        )
        self.db.executemany(
            "INSERT INTO record_categories VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.categories
        )
        self.files, self.records, self.categories = [], [], []


class Index:
    """The index of one articles folder, in ``state_dir`` (or in memory when it is ``None``)."""

    def __init__(
        self, state_dir: Path | None, config: SiteConfig, version: str, *, scratch: bool = False
    ) -> None:
        """Open (or create) the index; with ``scratch``, work on an in-memory copy of it and
        leave the stored index untouched (for dry runs)."""
        self.state_dir = state_dir
        self.scratch = scratch
        self.config = config
        self.identity = {
            "schema": SCHEMA_VERSION,
            "feedpub": version,
            "config": config.fingerprint,
        }
        self.rebuilt_reason: str | None = None
        self.db = self._open()

    # -- opening -----------------------------------------------------------------

    def _connect(self, target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _open(self) -> sqlite3.Connection:
        if self.state_dir is None:
            return self._fresh(self._connect(":memory:"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / DATABASE
        if path.exists():
            try:
                db = self._connect(str(path))
                try:
                    found = dict(db.execute("SELECT key, value FROM meta").fetchall())
                except sqlite3.DatabaseError:
                    db.close()
                    raise
                if all(found.get(k) == v for k, v in self.identity.items()):
                    return self._scratch_copy(db) if self.scratch else db
                db.close()
                self.rebuilt_reason = "made by another feedpub version or config: rebuilt"
            except sqlite3.DatabaseError as exc:
                self.rebuilt_reason = f"unreadable ({exc}): rebuilt"
            if not self.scratch:
                self.discard()
        if self.scratch:
            return self._fresh(self._connect(":memory:"))
        return self._fresh(self._connect(str(path)))

    def _scratch_copy(self, db: sqlite3.Connection) -> sqlite3.Connection:
        copy = self._connect(":memory:")
        db.backup(copy)
        db.close()
        return copy

    def _fresh(self, db: sqlite3.Connection) -> sqlite3.Connection:
        db.executescript(_SCHEMA)
        for statement in _INDEXES:
            db.execute(statement)
        db.executemany("INSERT INTO meta VALUES (?, ?)", self.identity.items())
        return db

    def discard(self) -> None:
        """Delete the index files (it is only a cache)."""
        if not self.scratch:
            self.discard_at(self.state_dir)

    @staticmethod
    def discard_at(state_dir: Path | None) -> None:
        """Delete the index files in ``state_dir``, if any."""
        if state_dir is None:
            return
        for suffix in ("", "-wal", "-shm"):
            (state_dir / (DATABASE + suffix)).unlink(missing_ok=True)

    def reset(self) -> None:
        """Forget everything (``--full``): the next sync re-reads every file."""
        self.db.close()
        self.discard()
        on_disk = self.state_dir is not None and not self.scratch
        target = str(self.state_dir / DATABASE) if on_disk and self.state_dir else ":memory:"
        self.db = self._fresh(self._connect(target))

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- syncing with the articles folder ----------------------------------------

    def sync(
        self,
        root: Path,
        progress: Callable[[int, int], None] | None = None,
        *,
        bodies: bool = False,
    ) -> SyncResult:
        """Bring the index up to date with ``root``: re-parse new and changed files only.

        ``progress(done, total)`` is called now and then while files are read.
        ``bodies`` checks the bodies fully too (as ``feedpub check`` does); a
        build leaves that to the bodies it renders. Many changed files (a cold
        build) are parsed by one worker process per core.
        """
        result = SyncResult()
        # Big archives (as the last walk found them) are walked by one process per core.
        found = find_record_files(root, parallel=int(self.get_meta("files") or 0) >= PARALLEL_WALK)
        result.files = len(found)
        # marshal: the fastest stable encoding of the listing within one Python version; after an
        # upgrade the digest differs once and the files are compared one by one, as usual.
        walk = _digest(marshal.dumps(found))
        if walk == self.get_meta("walk"):
            # Every file has the size and mtime it had last time: nothing to re-read.
            for relative, problems in self.db.execute(
                "SELECT path, problems FROM files WHERE problems != '[]' ORDER BY path"
            ):
                errors, warnings = _problems_from_json(problems, self.shown_path(relative))
                result.errors.extend(errors)
                result.warnings.extend(warnings)
            (result.records,) = self.db.execute("SELECT COUNT(*) FROM records").fetchone()
            return result
        # path -> (size, mtime_ns, has problems); hashes and problems are read only when needed.
        known = {
            path: (size, mtime_ns, flagged)
            for path, size, mtime_ns, flagged in self.db.execute(
                "SELECT path, size, mtime_ns, problems != '[]' FROM files"
            )
        }
        changed: list[tuple[str, int, int]] = []
        flagged: list[str] = []
        seen: set[str] = set()
        for relative, size, mtime_ns in found:
            seen.add(relative)
            old = known.get(relative)
            if old is not None and old[0] == size and old[1] == mtime_ns:
                if old[2]:
                    flagged.append(relative)
            else:
                changed.append((relative, size, mtime_ns))
        for relative in flagged:
            errors, warnings = _problems_from_json(
                self._file_row(relative)[1], self.shown_path(relative)
            )
            result.errors.extend(errors)
            result.warnings.extend(warnings)
        removed = sorted(set(known) - seen)
        if not changed and not removed:
            (result.records,) = self.db.execute("SELECT COUNT(*) FROM records").fetchone()
            self.set_meta("walk", walk)
            self.set_meta("files", str(result.files))
            return result

        db = self.db
        db.execute("BEGIN")
        try:
            bulk = not known and len(changed) >= PARALLEL_MIN_FILES
            if bulk:
                for statement in _INDEXES:
                    db.execute("DROP INDEX " + statement.split()[2])
            batch = _Batch(db, self._next_rid())
            for relative in removed:
                self._drop(relative)
                result.removed_files.append(relative)
            for done, parsed in enumerate(
                _parse_files(root, self.shown_path, changed, self.config, bodies), 1
            ):
                if progress is not None and done % 500 == 0:
                    progress(done, len(changed))
                stored = self._file_row(parsed.relative) if parsed.relative in known else None
                if stored is not None and stored[0] == parsed.file_hash:
                    # Touched but not changed (a checkout, a copy): only the stat is new.
                    db.execute(
                        "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?",
                        (parsed.size, parsed.mtime_ns, parsed.relative),
                    )
                    parsed.errors, parsed.warnings = _problems_from_json(
                        stored[1], self.shown_path(parsed.relative)
                    )
                else:
                    if stored is not None:
                        self._drop(parsed.relative)
                    batch.add(parsed)
                    result.changed_files.append(parsed.relative)
                    result.records_changed += parsed.count
                result.errors.extend(parsed.errors)
                result.warnings.extend(parsed.warnings)
            if progress is not None:
                progress(len(changed), len(changed))
            batch.flush()
            if bulk:
                for statement in _INDEXES:
                    db.execute(statement)
            self._mark_duplicates()
            (result.records,) = db.execute("SELECT COUNT(*) FROM records").fetchone()
            self.set_meta("walk", walk)
            self.set_meta("files", str(result.files))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return result

    def _next_rid(self) -> int:
        (top,) = self.db.execute("SELECT COALESCE(MAX(rid), 0) FROM records").fetchone()
        return int(top) + 1

    def _drop(self, relative: str) -> None:
        db = self.db
        db.execute(
            "DELETE FROM record_categories WHERE rid IN (SELECT rid FROM records WHERE path = ?)",
            (relative,),
        )
        db.execute("DELETE FROM records WHERE path = ?", (relative,))
        db.execute("DELETE FROM files WHERE path = ?", (relative,))

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

    def duplicate_errors(self) -> list[RecordError]:
        """An error for every record left out because its id was taken."""
        rows = self.db.execute(
            """
            SELECT r.path, r.line, r.id, f.path, f.line FROM records r
            JOIN records f ON f.id = r.id AND f.shadowed = 0
            WHERE r.shadowed = 1 ORDER BY r.path, r.ord
            """
        ).fetchall()
        errors = []
        for path, line, record_id, first_path, first_line in rows:
            where = self.shown_path(first_path) + (f":{first_line}" if first_line else "")
            errors.append(
                RecordError(
                    f"duplicate id, already used by a record in {where}; this record is left out",
                    path=self.shown_path(path),
                    line=line,
                    record=record_id,
                    field="id",
                )
            )
        return errors

    _shown_root = ""

    def show_paths_under(self, root: Path) -> None:
        """Report paths as ``root/relative`` (the articles folder as the user named it)."""
        self._shown_root = str(root) + os.sep

    def shown_path(self, relative: str) -> str:
        """A record file's path as reported to the user."""
        return self._shown_root + relative.replace("/", os.sep)

    # -- selecting entries ----------------------------------------------------------

    def terms(self) -> list[str]:
        """Every category term in the index, sorted (a term may have no live entry)."""
        rows = self.db.execute(
            "SELECT DISTINCT term FROM record_categories ORDER BY term"
        ).fetchall()
        return [term for (term,) in rows]

    def first_category(self, term: str) -> Category:
        """The category as first read (in path order): its label wins for the term."""
        label, scheme = self.db.execute(
            "SELECT label, scheme FROM record_categories WHERE term = ? ORDER BY path, ord LIMIT 1",
            (term,),
        ).fetchone()
        return Category(term, label, scheme)

    def label_conflicts(self) -> list[tuple[Category, Category, str, int | None, str]]:
        """Labels sharing a term with an earlier label: (first, later, path, line, id)."""
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
        first: dict[str, Category] = {}
        reported: set[tuple[str, str]] = set()
        for term, label, scheme, path, line, record_id in rows:
            category = Category(term, label, scheme)
            known = first.setdefault(term, category)
            if known.label != label and (term, label) not in reported:
                reported.add((term, label))
                conflicts.append((known, category, self.shown_path(path), line, record_id))
        return conflicts

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

    def next_due(self, now: float | None) -> float | None:
        """When the earliest withheld (future) entry falls due, if any."""
        if now is None:
            return None
        (due,) = self.db.execute(
            "SELECT MIN(published) FROM records WHERE draft = 0 AND shadowed = 0 AND published > ?",
            (now,),
        ).fetchone()
        return float(due) if due is not None else None

    def load(self, root: Path, entries: Iterable[IndexedEntry]) -> dict[int, Article]:
        """Read the full articles (bodies included) of the given entries by rid, one read per
        file, in worker processes when there are many files (see :func:`load_articles`)."""
        by_path: dict[str, list[tuple[int, str, str]]] = {}
        for e in entries:
            by_path.setdefault(e.path, []).append((e.rid, e.id, e.path))
        files = sorted(by_path)
        chunks = [
            [entry for relative in files[i : i + _CHUNK] for entry in by_path[relative]]
            for i in range(0, len(files), _CHUNK)
        ]
        shared = {"root": root, "shown_path": self.shown_path, "config": self.config}
        loaded: dict[int, Article] = {}
        min_chunks = -(-PARALLEL_MIN_FILES // _CHUNK)
        for part in ordered_map(_load_chunk, chunks, shared, min_jobs=min_chunks):
            loaded.update(part)
        return loaded

    def _file_row(self, relative: str) -> tuple[str, str]:
        """The stored (hash, problems json) of a record file."""
        row = self.db.execute(
            "SELECT hash, problems FROM files WHERE path = ?", (relative,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row is not None else ("", "[]")

    # -- feeds ------------------------------------------------------------------------

    def feed_state(self) -> dict[str, PublishedFeed]:
        """What each published feed file was, by path."""
        return {
            row[0]: PublishedFeed(*row[1:])
            for row in self.db.execute(
                "SELECT path, digest, size, mtime_ns, sha, entries FROM feeds"
            )
        }

    def record_feed(self, path: str, feed: PublishedFeed) -> None:
        """Remember what a feed file now holds."""
        self.db.execute("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?, ?, ?)", (path, *feed))

    def forget_feed(self, path: str) -> None:
        """Forget a feed file that was removed."""
        self.db.execute("DELETE FROM feeds WHERE path = ?", (path,))

    def previous_ids(self, urls: Iterable[str]) -> dict[str, str]:
        """The id each URL was last published under."""
        found: dict[str, str] = {}
        for chunk in _chunks(list(urls), 500):
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

    def get_meta(self, key: str) -> str | None:
        """A stored value of the last build (such as the next scheduled entry)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        """Store or clear a value for the next build."""
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def digest_bytes(data: bytes) -> str:
    """A short stable digest of some bytes (a file's content)."""
    return _digest(data)


def digest_text(*parts: str) -> str:
    """A short stable digest of some strings, for feed digests."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()
