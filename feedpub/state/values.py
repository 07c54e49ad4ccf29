"""The typed values the build state hands out: its storage never leaves :mod:`feedpub.state`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from feedpub.model import Category
from feedpub.records.listing import Listing
from feedpub.records.parse import WantedRecord

__all__ = [
    "ArchivePage",
    "Changes",
    "Duplicate",
    "FileProblem",
    "Footprint",
    "IndexedEntry",
    "LabelConflict",
    "LastBuild",
    "OwedHub",
    "OwedUrl",
    "PublishedFeed",
    "ShownEntry",
    "StoredFacts",
]


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


class OwedUrl(NamedTuple):
    """A feed URL a hub has not been told of yet."""

    url: str
    #: Since when it is owed (the clock of the build that first owed it, POSIX seconds).
    since: float
    #: Changes each time a build owes it again: a delivery clears it only if it is unchanged.
    mark: int


class OwedHub(NamedTuple):
    """What one hub has not been told of: its feed URLs, sorted, and since when the oldest
    of them is owed (POSIX seconds, the builds' clock)."""

    urls: tuple[str, ...]
    since: float


class PublishedFeed(NamedTuple):
    """A feed file as the last build wrote it."""

    digest: str  # of what it shows: entries, labels, config, feedpub version
    size: int
    mtime_ns: int
    sha: str  # of the bytes this build wrote
    entries: tuple[tuple[str, str], ...]  # (entry id, record digest) it showed, in order
    #: How its frame can be found again (``output/assembly.py``'s ``Framing``, as text; the
    #: state does not read it); ``""``: not kept.
    frame: str = ""


@dataclass(frozen=True, slots=True)
class IndexedEntry:
    """A record as the cache knows it: enough to select, order and fetch it."""

    rid: int
    id: str
    path: str
    digest: str
    url: str | None
    published: float

    def wanted(self) -> WantedRecord:
        """The record to read in full for this entry (keyed by its ``rid``)."""
        return WantedRecord(self.rid, self.id, self.path, self.digest)


class ShownEntry(NamedTuple):
    """What a page for people shows of an entry, as the read stage stored it."""

    title: str
    url: str | None
    published: float
    summary: str | None


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
    #: The target's headers fingerprint (``PublishTarget.headers``) its documents were sent with.
    headers: str = ""
    #: A digest of the category labels it showed: a change's build that keeps them all may
    #: plan only the feeds its records touch (see :mod:`feedpub.state.scope`).
    labels: str = ""


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

    #: The digest of the walk (or, after only the named files were looked at, a mark that
    #: no walk's digest equals).
    listing: str
    files: int
    #: New or changed (by size or mtime) files, as (relative path, size, mtime_ns).
    changed: Listing
    removed: list[str]
    #: Unchanged files that had problems (to report them again).
    flagged: list[str]
    #: Whether a later change may be read by the paths its events name (the walk skipped
    #: nothing and followed no link); ``None``: no walk, what the last one said stands.
    by_name: bool | None = None

    @property
    def any(self) -> bool:
        """True when some file was added, changed or removed."""
        return bool(self.changed or self.removed)


@dataclass(frozen=True)
class Footprint:
    """What the records of some files show, taken before and after they change: the terms of
    their categories, their archive periods, and every record a duplicate id shadows (a
    change may shadow, or bring back, a record in another file)."""

    terms: frozenset[str]
    periods: frozenset[str]
    shadowed: frozenset[int] = frozenset()

    def __or__(self, other: Footprint) -> Footprint:
        return Footprint(
            self.terms | other.terms, self.periods | other.periods, self.shadowed | other.shadowed
        )


@dataclass(frozen=True)
class StoredFacts:
    """A subscription feed as the last build's directory page showed it."""

    entries: int
    newest: float | None
    archive: str | None
