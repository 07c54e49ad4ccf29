"""Reading many record files at once: in path order, in worker processes when there are many.

:func:`parse_files` turns changed files into :class:`ParsedFile` values (what
the cache stores: metadata rows, never bodies); :func:`load_articles` reads the
full articles a rendered feed shows, each file once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from feedpub.digest import digest_bytes, digest_text
from feedpub.errors import RecordError, RecordWarning
from feedpub.model import Article
from feedpub.parallel import ordered_map
from feedpub.records.listing import Listing
from feedpub.records.periods import archive_period
from feedpub.records.rules import RecordRules

if TYPE_CHECKING:
    from feedpub.records.loader import FileRecords

__all__ = [
    "PARALLEL_MIN_FILES",
    "ParsedFile",
    "RecordRow",
    "WantedRecord",
    "load_articles",
    "parse_files",
    "read_articles",
    "record_rows",
]

#: Below this many files, worker processes cost more than they save.
PARALLEL_MIN_FILES = 2000
_CHUNK = 256
_READ_MORE = 1 << 16
# A file whose JSON document is one object (optional BOM and white space first): the loader
# digests all its bytes as that record's digest, which is then the file's hash too.
_ONE_OBJECT = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*\{")


class RecordRow(NamedTuple):
    """What the cache keeps of one good record: enough to select, order and fetch it."""

    order: int  # its place in the file
    id: str
    line: int | None
    url: str | None
    title: str
    published: float
    updated: float
    draft: bool
    digest: str  # of the record's source: changes when the record does
    categories: tuple[tuple[str, str, str | None], ...]  # (term, label, scheme)
    period: str  # its archive period in the site's zone ("" when archives are off)
    #: ``digest_text(id, digest)``: of what an entry shows (its id may come from the file's
    #: path, not its bytes). Made here, in the worker, not by the parent that stores it.
    shown: str


class WantedRecord(NamedTuple):
    """A record to read in full: ``key`` is the caller's handle for it; ``digest`` is its
    source's digest as the cache read it (a record that no longer has it is not returned)."""

    key: int
    id: str
    path: str
    digest: str


@dataclass
class ParsedFile:
    """One record file, read and parsed (in a worker process, for a cold build)."""

    path: str  # relative to the articles folder, with "/"
    size: int  # -1 when the file could not be read
    mtime_ns: int
    file_hash: str
    records: list[RecordRow]
    count: int  # records read, good and bad
    errors: list[RecordError]
    warnings: list[RecordWarning]


def record_rows(articles: list[Article], digests: list[str], rules: RecordRules) -> list[RecordRow]:
    """What the cache keeps of each good article of one file (``digests`` in the same order)."""
    return [
        _record_row(order, article, digest, rules)
        for order, (article, digest) in enumerate(zip(articles, digests, strict=True))
    ]


def _record_row(order: int, article: Article, digest: str, rules: RecordRules) -> RecordRow:
    published = article.published.timestamp()
    return RecordRow(
        order,
        article.id,
        article.line,
        article.url,
        article.title,
        published,
        published if article.modified is None else article.modified.timestamp(),  # updated
        article.draft,
        digest,
        tuple([(c.term, c.label, c.scheme) for c in article.categories]),
        archive_period(article.published, rules.timezone, rules.archive) if rules.archive else "",
        digest_text(article.id, digest),
    )


def _read(root: Path, relative: str, size: int | None = None) -> bytes:
    """The bytes of a record file: what ``(root / relative).read_bytes()`` gives, in one
    ``read`` while the file has the ``size`` the walk saw. Without pathlib's and ``open()``'s
    layers: those cost a tenth of parsing a small record."""
    fd = os.open(os.path.join(root, relative), os.O_RDONLY)
    try:
        expected = os.fstat(fd).st_size if size is None else size
        data = os.read(fd, expected + 1)  # a byte more, to see that the file ends there
        if len(data) == expected:
            return data
        chunks = [data]  # it changed since: read to its end
        while chunk := os.read(fd, _READ_MORE):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _parse_one(
    root: Path,
    shown: str,
    relative: str,
    size: int,
    mtime_ns: int,
    rules: RecordRules,
    bodies: bool,
    parse_file: Callable[..., FileRecords],
) -> ParsedFile:
    try:
        data = _read(root, relative, size)
    except OSError as exc:
        error = RecordError(f"cannot read: {exc.strerror}", path=shown)
        return ParsedFile(relative, -1, -1, "", [], 1, [error], [])
    parsed = parse_file(data, relative, shown, rules, bodies=bodies)
    rows = record_rows(parsed.articles, parsed.digests, rules)
    bad = len({(e.line, e.record) for e in parsed.errors})
    return ParsedFile(
        relative,
        size,
        mtime_ns,
        _file_hash(data, relative, parsed.digests),
        rows,
        len(rows) + bad,
        parsed.errors,
        parsed.warnings,
    )


def _file_hash(data: bytes, relative: str, digests: list[str]) -> str:
    """``digest_bytes(data)``, without hashing the bytes twice when the loader already has."""
    if len(digests) == 1 and not relative.endswith(".jsonl") and _ONE_OBJECT.match(data):
        return digests[0]
    return digest_bytes(data)


def _parse_chunk(shared: dict[str, Any], chunk: list[tuple[str, int, int]]) -> list[ParsedFile]:
    # Not loaded at all when nothing changed; imported once a chunk, not once a file (an
    # import statement of a loaded module costs about 1 us).
    from feedpub.records.loader import parse_file

    root, shown_path = shared["root"], shared["shown_path"]
    rules, bodies = shared["rules"], shared["bodies"]
    return [
        _parse_one(root, shown_path(rel), rel, size, mtime, rules, bodies, parse_file)
        for rel, size, mtime in chunk
    ]


def parse_files(
    root: Path,
    shown_path: Callable[[str], str],
    files: Listing | Iterable[tuple[str, int, int]],
    rules: RecordRules,
    *,
    bodies: bool = False,
) -> Iterator[ParsedFile]:
    """Parse ``(relative path, size, mtime_ns)`` record files, yielding them in the given order.

    Only metadata is kept. ``bodies`` checks the bodies fully too (as ``feedpub
    check`` does); a build leaves that to :func:`load_articles`, for the
    entries its feeds show.
    """
    # Chunks are made as workers take them and paths are shown in the worker: at a million
    # files a list of every chunk, or of every shown path, would cost the parent hundreds of MB.
    chunks = (files if isinstance(files, Listing) else Listing(files)).chunks(_CHUNK)
    shared = {"root": root, "shown_path": shown_path, "rules": rules, "bodies": bodies}
    for parsed_chunk in ordered_map(
        _parse_chunk, chunks, shared, min_jobs=-(-PARALLEL_MIN_FILES // _CHUNK)
    ):
        yield from parsed_chunk


def _load_chunk(shared: dict[str, Any], wanted: list[WantedRecord]) -> dict[int, Article]:
    return read_articles(shared["root"], shared["shown_path"], shared["rules"], wanted)


def read_articles(
    root: Path,
    shown_path: Callable[[str], str],
    rules: RecordRules,
    wanted: Iterable[WantedRecord],
) -> dict[int, Article]:
    """:func:`load_articles` in this process, whatever their number."""
    from feedpub.records.loader import parse_file

    by_path: dict[str, dict[tuple[str, str], int]] = {}
    for key, record_id, relative, digest in wanted:
        by_path.setdefault(relative, {})[record_id, digest] = key
    loaded: dict[int, Article] = {}
    for relative in sorted(by_path):
        keys = by_path[relative]
        try:
            data = _read(root, relative)
        except OSError:
            continue
        # Only the wanted records of a file of many are checked and their bodies converted.
        wanted_digests = {digest for _, digest in keys}
        parsed = parse_file(data, relative, shown_path(relative), rules, wanted=wanted_digests)
        for article, digest in zip(parsed.articles, parsed.digests, strict=True):
            if (article.id, digest) in keys:
                loaded[keys.pop((article.id, digest))] = article
    return loaded


def load_articles(
    root: Path,
    shown_path: Callable[[str], str],
    rules: RecordRules,
    wanted: Iterable[WantedRecord],
) -> dict[int, Article]:
    """Read the full articles (bodies included) of ``wanted`` records, by key, one read per
    file, in worker processes when there are many files.

    A record whose file vanished or no longer holds it as the cache read it (changed since:
    another digest) is left out: the next build reads the file anew.
    """
    by_path: dict[str, list[WantedRecord]] = {}
    for record in wanted:
        by_path.setdefault(record.path, []).append(record)
    files = sorted(by_path)
    chunks = [
        [record for relative in files[i : i + _CHUNK] for record in by_path[relative]]
        for i in range(0, len(files), _CHUNK)
    ]
    shared = {"root": root, "shown_path": shown_path, "rules": rules}
    loaded: dict[int, Article] = {}
    for part in ordered_map(_load_chunk, chunks, shared, min_jobs=-(-PARALLEL_MIN_FILES // _CHUNK)):
        loaded.update(part)
    return loaded
