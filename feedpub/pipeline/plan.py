"""Planning: which feeds exist now, which entries each shows, and which must be rendered.

Every function here answers a question and writes nothing: the plan is a
value the render and publish stages read.
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from feedpub.digest import digest_bytes, digest_text
from feedpub.model import Category, Format
from feedpub.output.meta import document_fingerprint
from feedpub.output.paths import (
    FeedLinks,
    archive_folder,
    archives_folder,
    feed_folder,
    is_page_path,
)
from feedpub.state import (
    ArchivePage,
    BuildState,
    Footprint,
    IndexedEntry,
    LastBuild,
    PublishedFeed,
)

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.meta import Syndication
    from feedpub.output.targets import PublishTarget

__all__ = [
    "Digested",
    "FileCheck",
    "PageEntries",
    "PlannedFeed",
    "check_file",
    "collector_paused",
    "plan_feeds",
    "render_reason",
    "stale_files",
    "still_current",
]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, as it was after it: planning makes
    a few small objects per published document (hundreds of thousands with archives) and no
    cycle, and the collector would walk them all again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    """One output file that should exist now: its format, entries, links and the digest of what
    it shows (entries, links, labels, config, feedpub version).

    An archive page (``period`` set) is planned from its fingerprint alone; its entries are
    read (:class:`PageEntries`) only when it is rendered, a batch at a time.
    """

    path: str
    term: str | None
    fmt: Format
    entries: tuple[IndexedEntry, ...]
    digest: str
    links: FeedLinks
    period: str | None = None
    #: A subscription document's live entries in all (shown or archived), when the plan knows
    #: it from its archive pages' sizes; ``None`` otherwise (the state counts them).
    live: int | None = None
    #: A digest of what its entries' bytes are made of (``digest`` less its frame: the site's
    #: title and description, links, hubs): equal to the last build's, the published entries
    #: can be framed anew (``pipeline/reframing.py``); ``""``: unknown.
    body: str = ""
    #: A subscription document's: for each entry, a digest of what its bytes are made of (the
    #: record, the labels it shows that its record does not say, the site's domain, feedpub's
    #: version): an entry of the published document with the same is cut from its bytes, not
    #: rendered again (``pipeline/cutting.py``).
    entry_keys: tuple[str, ...] = ()
    #: An archive page's: a digest of what its entries' bytes are made of but for which
    #: entries (the site's domain, the feed, the format, feedpub's version, and the labels
    #: shown, by ``BuildState.labels_epoch``: a page's own are not known for a shorter
    #: period), and the fingerprint of its entries (``ArchivePage.fingerprint``). The page of
    #: a longer period is the pages of the shorter ones it covers, joined, when theirs were
    #: made with its ``shape`` and their fingerprints add up to its own
    #: (``pipeline/reframing.py``).
    #: ``""``: not digested anew.
    shape: str = ""
    fingerprint: str = ""

    def keys(self) -> tuple[tuple[str, str], ...]:
        """(entry id, record digest) of each entry, as the state remembers them; none for an
        archive page, whose entries all its digest stands for (keeping them would make the
        state as large as the archive)."""
        if self.period is not None:
            return ()
        return tuple((e.id, e.digest) for e in self.entries)


@dataclass(frozen=True)
class _Feed:
    """A subscription feed's shape before its documents' digests: its entries, its archive
    pages (none when it is complete) and its links."""

    term: str | None
    entries: tuple[IndexedEntry, ...]
    pages: list[ArchivePage]
    links: FeedLinks
    live: int | None


def plan_feeds(
    state: BuildState,
    config: SiteConfig,
    categories: dict[str, Category],
    now: float | None,
    version: str,
    scope: Footprint | None = None,
    kept: Mapping[str, PublishedFeed] | None = None,
) -> list[PlannedFeed]:
    """Every feed that should exist now, main feed first, then categories by term.

    With a ``scope`` (see :mod:`feedpub.pipeline.scope`): the site feed and its categories'
    only, and of their archive pages, those of its periods are digested anew; a page of
    another period shows what it showed, and keeps its digest from ``kept`` (what the last
    build published) while its feed has the very pages it had (so its links are the same)."""
    syndication = config.syndication
    chosen = None if scope is None else sorted(t for t in scope.terms if t in categories)
    pages: dict[str | None, list[ArchivePage]] = {}
    if syndication.archive:
        for page in state.archive_pages(now, syndication.archive_categories, chosen):
            pages.setdefault(page.term, []).append(page)
    newest = {
        term: tuple(state.newest(term, syndication.limit, now))
        for term in [None, *(categories if chosen is None else chosen)]
    }
    relabelled = state.relabelled(categories, (e.rid for es in newest.values() for e in es))
    shapes = [
        _shape(term, entries, pages.get(term, []), syndication)
        for term, entries in newest.items()
        # a category with no live entry has no feed (an old one is removed)
        if term is None or entries
    ]
    # Which feeds' archive pages are all digested anew: every feed's, or (scope) those whose
    # pages are not the ones the last build published (a period new or emptied).
    redo = {shape.term for shape in shapes}
    if scope is not None and kept is not None:
        redo = {
            shape.term
            for shape in shapes
            if [page.period for page in shape.pages]
            != _kept_periods(kept, shape.term, syndication.formats)
        }
    every = {s.term for s in shapes}
    made: dict[int, str] = {}  # each entry's key, once for every feed showing it
    domain = config.feed.domain

    def entry_key(entry: IndexedEntry) -> str:
        key = made.get(entry.rid)
        if key is None:
            shows = _labels(categories, relabelled.get(entry.rid, set()))
            key = made[entry.rid] = digest_text(version, domain, entry.id, entry.digest, shows)
        return key

    moved = _moved(state, config, categories, now, scope, redo, every, pages.get(None, []))
    # What shapes a document besides its entries and links: each kind takes only its own part.
    subscription = document_fingerprint(config.feed, syndication, archive_page=False)
    archived = document_fingerprint(config.feed, syndication, archive_page=True)
    feeds: list[PlannedFeed] = []
    made_shapes: dict[tuple[str, ...], str] = {}  # one string each (a page each: 72,000 at 1M)
    epoch = str(state.labels_epoch(categories)) if syndication.archive else ""
    for shape in shapes:
        term, entries, links = shape.term, shape.entries, shape.links
        shown = categories[term] if term is not None else None
        # The feed's own label (its title), then those its entries show relabelled.
        own = (term or "", f"{shown.label}\x1e{shown.scheme}" if shown else "")
        # An entry's bytes take from the settings only the site's domain (its tag URI id).
        inside = (version, config.feed.domain, *own)
        labels = _labels(categories, set().union(*(relabelled.get(e.rid, ()) for e in entries)))
        keys = [f"{e.id}\x1e{e.digest}" for e in entries]
        entry_keys = tuple(map(entry_key, entries))
        for fmt in syndication.formats:
            fingerprint = links.fingerprint(fmt)
            digest = digest_text(version, subscription, *own, labels, fmt, fingerprint, *keys)
            body = digest_text(*inside, labels, fmt, *keys)
            path = links.path(fmt)
            feeds.append(
                PlannedFeed(
                    path, term, fmt, entries, digest, links, None, shape.live, body, entry_keys
                )
            )
        folders = _page_links(term, shape.pages, links.folder)
        for page_links, page in zip(folders, shape.pages, strict=True):
            same = scope is not None and term not in redo and page.period not in scope.periods
            page_labels = _labels(categories, moved.get((term, page.period), set()))
            for fmt in syndication.formats:
                path = page_links.path(fmt)
                if same and kept is not None:
                    # Nothing it shows or links changed: it is not rendered.
                    digest, body, made_shape, made_fingerprint = kept[path].digest, "", "", ""
                else:
                    fingerprint = page_links.fingerprint(fmt)
                    digest = digest_text(
                        version, archived, *own, page_labels, fmt, fingerprint, page.fingerprint
                    )
                    body = digest_text(*inside, page_labels, fmt, page.fingerprint)
                    made_shape = made_shapes.get((*own, fmt)) or made_shapes.setdefault(
                        (*own, fmt), digest_text(*inside, fmt, epoch)
                    )
                    made_fingerprint = page.fingerprint
                feeds.append(
                    PlannedFeed(
                        path,
                        term,
                        fmt,
                        (),
                        digest,
                        page_links,
                        page.period,
                        body=body,
                        shape=made_shape,
                        fingerprint=made_fingerprint,
                    )
                )
    return feeds


def _shape(
    term: str | None,
    entries: tuple[IndexedEntry, ...],
    periods: list[ArchivePage],
    syndication: Syndication,
) -> _Feed:
    # RFC 5005 section 2: an archived feed whose entries all fit in its subscription
    # document is complete, and has no archive pages (old ones are removed as stale).
    # Not under max_bytes: the cap may drop entries at render time, which the pages keep.
    archived = syndication.archive is not None and (term is None or syndication.archive_categories)
    # Every live entry is on one of the feed's archive pages (none on two).
    live = sum(page.size for page in periods) if archived else None
    complete = (
        archived
        and syndication.max_bytes is None
        and sum(page.size for page in periods) <= syndication.limit
    )
    if complete:
        periods = []
    links = FeedLinks(
        feed_folder(term),
        hubs=syndication.hubs,
        prev_archive=archive_folder(term, periods[-1].period) if periods else None,
        complete=complete,
    )
    return _Feed(term, entries, periods, links, live)


def _kept_periods(
    kept: Mapping[str, PublishedFeed], term: str | None, formats: Collection[Format]
) -> list[str]:
    """The periods of the archive pages of ``term``'s feed the last build published (in every
    format), oldest first."""
    under = archives_folder(term)
    found: dict[str, int] = {}
    for path in kept:
        if path.startswith(under):
            period, _, rest = path[len(under) :].partition("/")
            if "/" not in rest:
                found[period] = found.get(period, 0) + 1
    return sorted(period for period, count in found.items() if count == len(formats))


def _moved(
    state: BuildState,
    config: SiteConfig,
    categories: dict[str, Category],
    now: float | None,
    scope: Footprint | None,
    redo: set[str | None],
    every: set[str | None],
    site: list[ArchivePage],
) -> dict[tuple[str | None, str], set[str]]:
    """The relabelled terms of each archive page to digest: every page of the feeds in
    ``redo``, and the scope's periods of the others in ``every`` (``site``: the site's
    archive pages, asked of the state already)."""
    syndication = config.syndication
    if not syndication.archive:
        return {}
    by_category = syndication.archive_categories
    if scope is None:
        return state.relabelled_pages(categories, now, by_category, site=site)
    moved = state.relabelled_pages(categories, now, by_category, redo) if redo else {}
    rest = every - redo
    if rest and scope.periods:
        moved.update(
            state.relabelled_pages(categories, now, by_category, rest, sorted(scope.periods))
        )
    return moved


def _labels(categories: dict[str, Category], terms: set[str]) -> str:
    """The labels of ``terms`` for a digest: those a document shows that its entries' records
    do not say (their digests stand for the rest), so a label changes only the documents that
    show it."""
    return "\x1d".join(
        f"{t}\x1e{categories[t].label}\x1e{categories[t].scheme}" for t in sorted(terms)
    )


def _page_links(term: str | None, periods: list[ArchivePage], current: str) -> list[FeedLinks]:
    """The links of a feed's archive pages, oldest first (RFC 5005 section 4).

    Each page links the one before it (``prev-archive``), the one after it
    (``next-archive``; the newest has none) and its subscription document (``current``),
    so that a page's digest is its entries' fingerprint and those links, nothing newer:
    a new page changes only its predecessor (its next link). A page that is its feed's
    only one has no neighbour to link; it holds every entry of the feed, so it is marked
    complete as well as archived and links nothing (the W3C validator's rule for a
    complete document: no archive links, and ``current`` only to itself).
    """
    folders = [archive_folder(term, page.period) for page in periods]
    if len(folders) == 1:
        return [FeedLinks(folders[0], archive=True, complete=True)]
    return [
        FeedLinks(
            folder,
            prev_archive=folders[i - 1] if i > 0 else None,
            next_archive=folders[i + 1] if i + 1 < len(folders) else None,
            current=current,
            archive=True,
        )
        for i, folder in enumerate(folders)
    ]


class PageEntries:
    """Archive pages' entries, read from the state as they are about to be rendered (the plan
    leaves them out: at 1,000,000 records every record is on a page, some 550 bytes each).

    A record shown on several pages (the site's and each of its categories') is one entry,
    not one a page, until :meth:`forget`: a batch of pages (one period's, mostly) holds its
    own records, and none of those of the batches before."""

    def __init__(self, state: BuildState, now: float | None) -> None:
        self._state, self._now = state, now
        self.forget()

    def fill(self, feed: PlannedFeed) -> PlannedFeed:
        """``feed`` with its entries, newest first, if it is an archive page (read once for
        all its formats); any other feed as it is."""
        if feed.period is None:
            return feed
        key = (feed.term, feed.period)
        if key not in self._read:
            page = self._state.page_entries(feed.term, feed.period, self._now)
            self._read[key] = tuple(self._known.setdefault(entry.rid, entry) for entry in page)
        return replace(feed, entries=self._read[key])

    def forget(self) -> None:
        """Hold none of the entries read so far (those already handed out stay theirs)."""
        self._read: dict[tuple[str | None, str], tuple[IndexedEntry, ...]] = {}
        self._known: dict[int, IndexedEntry] = {}  # by rid: one read of the state, one entry


class FileCheck(enum.Enum):
    """How a published file compares with what the last build wrote there."""

    AS_WRITTEN = "as written"  # same size and mtime
    TOUCHED = "touched"  # same bytes, a new mtime (a copy or sync tool)
    MISSING = "missing"
    CHANGED = "changed"  # other bytes: something else wrote it


def check_file(target: PublishTarget, path: str, feed: PublishedFeed) -> tuple[FileCheck, int]:
    """Compare a published file with the record of it; also return its stamp (mtime or ETag).

    Size and stamp decide at once; a file only touched since is hashed."""
    stat = target.stored(path)
    if stat is None:
        return FileCheck.MISSING, 0
    if (stat.size, stat.stamp) == (feed.size, feed.mtime_ns):
        return FileCheck.AS_WRITTEN, stat.stamp
    if stat.size != feed.size or digest_bytes(target.read(path) or b"") != feed.sha:
        return FileCheck.CHANGED, stat.stamp
    return FileCheck.TOUCHED, stat.stamp


def still_current(
    last: LastBuild | None,
    published: dict[str, PublishedFeed],
    checks: dict[str, FileCheck],
    now: float | None,
    feeds: str,
    headers: str,
) -> bool:
    """True when the last build's feeds still stand: it finished, with the same kind of clock
    and the same ``feeds`` fingerprint (what shapes a document besides its entries), nothing
    fell due since, every published file holds what it wrote, with the same ``headers``."""
    if last is None or not last.complete or not published:
        return False
    if last.feeds != feeds or last.headers != headers:
        return False
    if last.clocked != (now is not None):
        return False
    if last.next_due is not None and now is not None and now >= last.next_due:
        return False
    return all(checks.get(path) in (FileCheck.AS_WRITTEN, FileCheck.TOUCHED) for path in published)


class Digested(Protocol):
    """Anything planned for a path: a feed, a page."""

    @property
    def digest(self) -> str: ...


def render_reason(
    feed: Digested, before: PublishedFeed | None, check: FileCheck | None
) -> str | None:
    """Why ``feed`` (or a page) must be rendered, or ``None`` when the published file already
    shows it."""
    if before is None:
        return "new"
    if before.digest != feed.digest:
        return "entries, labels or config changed"
    if check is FileCheck.MISSING:
        return "the published file was missing"
    if check is FileCheck.CHANGED:
        return "the published file was changed by something else"
    return None


def stale_files(
    target: PublishTarget,
    published: dict[str, PublishedFeed],
    planned: set[str],
    *,
    vouched: bool,
    pages: bool = True,
    ask_target: bool = True,
) -> list[str]:
    """Documents no planned feed writes: known to the state, or found in the target by
    feedpub's own names (a format no longer configured, a category with no entry left).

    Archive pages are many, so the target is asked for them only when the state cannot
    vouch that it recorded every document the target holds (``vouched`` False: the last
    build was killed or failed, or the state is new): then every document is listed.

    Pages found in the target are feedpub's only while ``pages`` are on: with them off, an
    ``index.html`` the state does not know may be the site's own, and is left alone.
    ``ask_target=False``: the target is not asked (a build planning only the feeds a change touches,
    after a build that finished: ``published`` holds every document of those feeds)."""
    stale = {path for path in published if path not in planned}
    if not ask_target:
        return sorted(stale)
    listed = target.feed_paths(archives=not vouched or not published)
    stale.update(
        path for path in listed if path not in planned and (pages or not is_page_path(path))
    )
    return sorted(stale)
