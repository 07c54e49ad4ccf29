"""Where the records come from: a folder of files, or a database table or query.

The read stage sees one shape either way: a listing of ``(path, size,
mtime_ns)`` to compare with the build state, :class:`ParsedFile` values for
what changed, and full articles by key for the entries a feed shows. For a
database, each row is one "file" whose path is ``table:id`` and whose mtime is
its change column (see :mod:`feedpub.records.postgres`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from feedpub.errors import ConfigError
from feedpub.model import Article
from feedpub.records.listing import Listing
from feedpub.records.parse import (
    ParsedFile,
    WantedRecord,
    load_articles,
    parse_files,
    read_articles,
)
from feedpub.records.postgres_settings import PostgresSettings
from feedpub.records.registry import row_source_class
from feedpub.records.rules import RecordRules
from feedpub.records.walk import WalkProblem, find_record_files, look_up

__all__ = [
    "FileLoader",
    "FileSource",
    "Listing",
    "Loader",
    "RecordSource",
    "open_source",
    "shown_paths",
]


class RecordSource(Protocol):
    """What the read and render stages need from wherever the records live."""

    def shown(self, relative: str) -> str:
        """How a record's path is shown in messages."""
        ...

    def listing_digest(self) -> str | None:
        """A cheap digest of the listing, or ``None`` when only the listing itself tells."""
        ...

    def listing(self, *, parallel: bool) -> Listing:
        """Every record "file" as ``(path, size, mtime_ns)``, sorted by path."""
        ...

    def skipped(self) -> list[WalkProblem]:
        """What the last listing could not look at (its records are not gone, only unseen)."""
        ...

    def parse(self, files: Listing, rules: RecordRules, *, bodies: bool) -> Iterator[ParsedFile]:
        """Parse the given listed files (metadata only, unless ``bodies``)."""
        ...

    def load(self, rules: RecordRules, wanted: Iterable[WantedRecord]) -> dict[int, Article]:
        """The full articles of ``wanted`` records by key; one gone or changed is left out."""
        ...

    def lock(self, state_dir: Path | None, wait: float) -> AbstractContextManager[None]:
        """One build at a time: held for the whole build."""
        ...

    def loader(self, rules: RecordRules) -> Loader | None:
        """What reads wanted records' full articles in any process (it pickles: render
        workers read the bodies they show themselves); ``None``: only :meth:`load` can."""
        ...


def shown_paths(root: Path) -> Callable[[str], str]:
    """How a record file's relative path is shown: under the articles folder as named."""
    prefix = str(root) + os.sep
    return lambda relative: prefix + relative.replace("/", os.sep)


#: Reads wanted records' full articles, by key (one gone or changed is left out).
Loader = Callable[[Sequence[WantedRecord]], dict[int, Article]]


@dataclass(frozen=True)
class FileLoader:
    """Reads wanted records' full articles from the files under ``root``, in the calling
    process (relative to the folder it works in): a render worker's."""

    root: Path
    rules: RecordRules

    def __call__(self, wanted: Sequence[WantedRecord]) -> dict[int, Article]:
        """The articles of ``wanted`` records, by key, each file read once."""
        return read_articles(self.root, shown_paths(self.root), self.rules, wanted)


class FileSource:
    """Record files (``*.json``, ``*.jsonl``) under an articles folder."""

    def __init__(self, root: Path) -> None:
        """Read the records under ``root``."""
        self.root = root
        self.shown = shown_paths(root)
        self._skipped: list[WalkProblem] = []
        self._links: list[str] = []

    def listing_digest(self) -> str | None:
        """Files have none cheaper than their walk."""
        return None

    def listing(self, *, parallel: bool) -> Listing:
        """One walk of the folder; what it cannot look at is kept for :meth:`skipped`."""
        self._skipped, self._links = [], []
        return find_record_files(
            self.root, parallel=parallel, problems=self._skipped, links=self._links
        )

    def by_name(self) -> bool:
        """Whether, after this walk, a change may be read by the paths its file events name
        (:meth:`look_up`): the walk skipped nothing (each walk reports what it skips again)
        and followed no symbolic link (what is behind one shows under two paths, and an
        event names only one)."""
        return not self._skipped and not self._links

    def look_up(self, paths: Iterable[str]) -> tuple[Listing, list[str]] | None:
        """The files ``paths`` name as the walk would find them (a listing) and those it would
        not (gone), without walking; ``None`` when only a walk can tell
        (:func:`feedpub.records.walk.look_up`)."""
        return look_up(self.root, paths)

    def skipped(self) -> list[WalkProblem]:
        """Folders and links the last walk skipped (loops, unreadable folders, ...)."""
        return self._skipped

    def parse(self, files: Listing, rules: RecordRules, *, bodies: bool) -> Iterator[ParsedFile]:
        """Parse the files, in worker processes when there are many."""
        return parse_files(self.root, self.shown, files, rules, bodies=bodies)

    def load(self, rules: RecordRules, wanted: Iterable[WantedRecord]) -> dict[int, Article]:
        """Read the files the wanted records are in, each once."""
        return load_articles(self.root, self.shown, rules, wanted)

    def loader(self, rules: RecordRules) -> Loader:
        """A :class:`FileLoader` of this folder's records."""
        return FileLoader(self.root, rules)

    def lock(self, state_dir: Path | None, wait: float) -> AbstractContextManager[None]:
        """The state folder's ``flock`` (no state folder: nothing to protect)."""
        from feedpub.output.lock import build_lock

        return build_lock(state_dir, wait) if state_dir is not None else nullcontext()


@contextmanager
def open_source(
    articles_dir: Path, settings: PostgresSettings | None, rules: RecordRules
) -> Iterator[RecordSource]:
    """The database ``settings`` name if any, else the files under ``articles_dir``.

    A database connection is held open until the block ends. The driver is imported
    only here, and only for a database.
    """
    if settings is None:
        yield FileSource(articles_dir)
        return
    if settings.url is None:
        raise ConfigError(
            "no database URL: give source.url, FEEDPUB_SOURCE or --source", key="source.url"
        )
    opener = row_source_class(settings.url)
    with opener.connect(settings, rules) as source:
        yield source
