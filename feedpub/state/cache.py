"""The build state: an SQLite cache of every record file and every published feed.

It records, for each record file, its size, mtime and content hash with the
metadata of its records (never their bodies) and their problems; for each
published feed, the digest of what it showed and the hash of the bytes this
build wrote; and how the last build ended. A missing, corrupt or
foreign-version cache is thrown away and rebuilt from the files
(:func:`open_state` does that), with byte-identical feeds as the result.

:class:`BuildState` is the one door to it; the queries live by what they are about:
:mod:`~feedpub.state.sync` (the record files), :mod:`~feedpub.state.entries` (what the
records hold), :mod:`~feedpub.state.published` (what was published) and
:mod:`~feedpub.state.opening` (the database itself).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from typing import Any, TypeVar

from feedpub.digest import digest_text
from feedpub.errors import StateError
from feedpub.model import Category
from feedpub.records.listing import Listing
from feedpub.state import entries, labels, published, scope, sync
from feedpub.state.kept import kept_by_period
from feedpub.state.opening import (
    discard,
    disk_full,
    empty_database,
    meta,
    meta_object,
    open_database,
    open_reader,
    set_meta,
)
from feedpub.state.schema import DATABASE, SCHEMA_VERSION
from feedpub.state.sync import Update
from feedpub.state.values import (
    ArchivePage,
    Changes,
    Duplicate,
    FileProblem,
    Footprint,
    IndexedEntry,
    LabelConflict,
    LastBuild,
    OwedHub,
    OwedUrl,
    PublishedFeed,
    ShownEntry,
    StoredFacts,
)

__all__ = ["RECORDS_PER_COMMIT", "BuildState", "open_state", "record_deliveries"]

T = TypeVar("T")

#: Feed records committed together (see :meth:`BuildState.record_feed`).
RECORDS_PER_COMMIT = 256


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
                if disk_full(exc):
                    raise
                if not scratch and state_dir is not None:
                    discard(state_dir)
                with BuildState(state_dir, version, fingerprint, scratch=scratch) as state:
                    return work(state), f"unreadable ({exc}): rebuilt"
        except (sqlite3.DatabaseError, OSError) as exc:
            if not disk_full(exc):
                raise
            raise StateError(
                str(state_dir),
                "disk full: cannot update the build cache; published feeds are valid (old or "
                "new) and the next build after space is freed repairs the rest",
            ) from None

    yield run


#: URLs :meth:`BuildState.remember_urls` keeps in mind before forgetting them all: a batch's
#: pages show at most some 20,000 records.
_REMEMBERED = 65_536


class BuildState:
    """The cache of one articles folder, in ``state_dir`` (in memory when it is ``None``)."""

    def __init__(
        self, state_dir: Path | None, version: str, fingerprint: str, *, scratch: bool = False
    ) -> None:
        """Open (or create) the cache; with ``scratch``, work on an in-memory copy of it."""
        self.state_dir = state_dir
        self.scratch = scratch
        self._identity = {"schema": SCHEMA_VERSION, "feedpub": version, "config": fingerprint}
        #: True during an update that began with no file known (a cold build): no file
        #: parsed in it can have a stored hash, so none is looked up.
        self._cold = False
        #: Why a stored cache was not used, if it was not.
        self.rebuilt_reason: str | None
        self.db, self.rebuilt_reason = open_database(state_dir, self._identity, scratch=scratch)
        #: The mark this build owes hubs under (see :mod:`~feedpub.state.published`): random,
        #: so that no other build, not even one on a rebuilt cache, owes under the same.
        self._mark = secrets.randbits(62)
        #: Feed records made since the last commit, not written yet (see :meth:`record_feed`).
        self._recorded: list[tuple[str, PublishedFeed]] = []
        #: The URLs this build recorded last, with their ids (see :meth:`remember_urls`).
        self._remembered: dict[str, str] = {}

    @classmethod
    def reader(cls, state_dir: Path) -> BuildState | None:
        """The stored cache, read-only and as it is (``None``: there is none, or it cannot be
        read): for ``feedpub status``, which looks while a build may run and never builds.
        Only its questions may be asked; a query of a cache of another shape raises
        :class:`sqlite3.DatabaseError`."""
        db = open_reader(state_dir)
        if db is None:
            return None
        state = cls.__new__(cls)
        state.state_dir, state.scratch, state._cold = state_dir, True, False
        state._identity = {}
        state.db, state.rebuilt_reason = db, None
        state._mark = 0  # a reader owes no hub anything
        state._recorded, state._remembered = [], {}
        return state

    # -- opening -----------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything (``--full``): the next sync re-reads every file."""
        self._recorded, self._remembered = [], {}
        self.db.close()
        self.db = empty_database(self.state_dir, self._identity, scratch=self.scratch)

    def close(self) -> None:
        """Close the database (what was recorded committed first)."""
        try:
            self._commit_records()
        finally:
            self.db.close()

    def __enter__(self) -> BuildState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta --------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        return meta(self.db, key)

    def _set_meta(self, key: str, value: str) -> None:
        set_meta(self.db, key, value)

    @property
    def known_files(self) -> int:
        """How many record files the last walk found."""
        return sync.known_files(self.db)

    def last_build(self) -> LastBuild | None:
        """How the last build that wrote ended (``None``: none did, or it did not finish)."""
        due = (int, float, type(None))  # "next_due" is always written, null when none
        fields = meta_object(
            self.db, "last_build", {"complete": bool, "clocked": bool, "next_due": due}
        )
        if fields is None:
            return None
        return LastBuild(
            fields["complete"],
            fields["clocked"],
            fields.get("next_due"),
            str(fields.get("feeds", "")),
            str(fields.get("headers", "")),
            str(fields.get("labels", "")),
        )

    def start_build(self) -> None:
        """Forget how the last build ended: until this one finishes, nothing is trusted (at
        once: a kill must not leave the last build's word standing)."""
        self._commit_records()
        self.db.execute("DELETE FROM meta WHERE key = 'last_build'")

    def finish_build(self, outcome: LastBuild) -> None:
        """Remember how this build ended, for the next one."""
        self._commit_records()
        self._set_meta("last_build", json.dumps(vars(outcome)))

    # -- the articles folder -------------------------------------------------------

    def changes(
        self,
        found: Listing | Callable[[], Listing],
        *,
        listing: str | None = None,
        unseen: Callable[[], Sequence[str]] = tuple,
        by_name: Callable[[], bool] = lambda: False,
    ) -> Changes:
        """Compare a listing of the records with what the cache knows (see
        :func:`feedpub.state.sync.changes`)."""
        return sync.changes(self.db, found, listing=listing, unseen=unseen, by_name=by_name)

    def changes_named(self, found: Listing, gone: Sequence[str]) -> Changes | None:
        """Compare only the files a change named (``found`` as a walk would list them,
        ``gone``) with what the cache knows; ``None`` when a walk must tell (see
        :func:`feedpub.state.sync.changes_named`)."""
        return sync.changes_named(self.db, found, gone)

    def problems(self, path: str) -> list[FileProblem]:
        """The problems a record file had when it was last parsed."""
        return sync.problems(self.db, path)

    def file_hash(self, path: str) -> str | None:
        """The content hash of a record file as last parsed, if it is known."""
        if self._cold:
            return None  # one query per file would cost a cold build ~1 s per 100,000 files
        return sync.file_hash(self.db, path)

    def repartition(self, granularity: str | None, zone: tzinfo) -> None:
        """Move every stored record to its archive period of ``granularity`` in ``zone`` (or
        to none), unless the state's records are known to be there already."""
        sync.repartition(self.db, granularity, zone)

    @contextmanager
    def update(self, changes: Changes) -> Iterator[Update]:
        """Apply ``changes`` in one transaction: the block adds, replaces and removes files;
        on leaving it, duplicates and label conflicts are worked out again and the walk is
        remembered. An exception rolls everything back."""
        with sync.update(self.db, changes) as update:
            self._cold = update.cold
            try:
                yield update
            finally:
                self._cold = False

    def remember_walk(self, changes: Changes) -> None:
        """Remember the walk (its digest and file count), so the next one can be compared."""
        sync.remember_walk(self.db, changes)

    # -- what the records hold ------------------------------------------------------

    def record_count(self) -> int:
        """How many good records the cache holds."""
        return entries.record_count(self.db)

    def duplicates(self) -> list[Duplicate]:
        """Every record left out because its id was taken, in path order."""
        return entries.duplicates(self.db)

    def label_conflicts(self) -> list[LabelConflict]:
        """Labels sharing a term with an earlier label, in term and path order."""
        return entries.label_conflicts(self.db)

    def categories(self) -> dict[str, Category]:
        """Every category term with the label first read for it (in path order), by term."""
        return entries.categories(self.db)

    def labels_epoch(self, categories: Mapping[str, Category]) -> int:
        """A number that changes whenever a known term's shown label or scheme does
        (:func:`~feedpub.state.labels.labels_epoch`)."""
        return labels.labels_epoch(self.db, categories)

    def relabelled(
        self, categories: Mapping[str, Category], rids: Iterable[int]
    ) -> dict[int, set[str]]:
        """The terms each of ``rids`` shows with a label or scheme not its own record's
        (``categories``: the one shown for each term); the others are left out."""
        return labels.relabelled(self.db, categories, rids)

    def relabelled_pages(
        self,
        categories: Mapping[str, Category],
        now: float | None,
        by_category: bool,
        feeds: Collection[str | None] | None = None,
        periods: Collection[str] | None = None,
        *,
        site: Sequence[ArchivePage] | None = None,
    ) -> dict[tuple[str | None, str], set[str]]:
        """For each archive page (feed term, period), the terms its live entries show with a
        label or scheme not their own records'; ``by_category=False``: the site's pages only;
        ``feeds``: those feeds' only (``None`` among them: the site's); ``periods``: the pages
        of those periods only. Every page's: kept by period, asked again of the periods whose
        records moved, of every period when the labels shown did (:mod:`~feedpub.state.kept`;
        ``site``: the site's archive pages, if the caller has them already)."""
        if feeds is not None or periods is not None:
            return labels.relabelled_pages(self.db, categories, now, by_category, feeds, periods)
        shown = (f"{c.term}\x1e{c.label}\x1e{c.scheme}" for c in categories.values())
        extra = digest_text(str(by_category), *shown)

        def ask(some: Collection[str] | None) -> list[list[Any]]:
            found = labels.relabelled_pages(self.db, categories, now, by_category, None, some)
            return [[feed, period, sorted(terms)] for (feed, period), terms in found.items()]

        if site is None:
            site = entries.site_pages(self.db, now)
        rows = kept_by_period(self.db, "relabelled pages", site, extra, ask)
        return {(feed, period): set(terms) for feed, period, terms in rows}

    def newest(self, term: str | None, limit: int, now: float | None) -> list[IndexedEntry]:
        """The ``limit`` newest live entries, overall or of one category, newest first."""
        return entries.newest(self.db, term, limit, now)

    def live_counts(
        self, now: float | None, terms: Collection[str] | None = None
    ) -> dict[str | None, int]:
        """How many live entries the site feed (``None``) and each category's (``terms``: of
        those categories only) has, by term."""
        return entries.live_counts(self.db, now, terms)

    def archive_pages(
        self, now: float | None, categories: bool, terms: Collection[str] | None = None
    ) -> list[ArchivePage]:
        """Every archive page with a live entry, by feed (the site's first, then categories by
        term) and period, oldest first; ``categories=False``: the site's only; ``terms``: the
        site's and those categories' only. Every category's are kept by period, asked again of
        the periods whose records moved (:mod:`~feedpub.state.kept`)."""
        site = entries.site_pages(self.db, now)
        if not categories:
            return site
        if terms is not None:
            return site + entries.category_pages(self.db, now, terms)

        def ask(some: Collection[str] | None) -> list[list[Any]]:
            return [list(page) for page in entries.category_pages(self.db, now, periods=some)]

        rows = kept_by_period(self.db, "category pages", site, "", ask)
        return site + [ArchivePage(*row) for row in rows]

    def page_entries(self, term: str | None, period: str, now: float | None) -> list[IndexedEntry]:
        """The live entries of one archive page, newest first."""
        return entries.page_entries(self.db, term, period, now)

    def shown(self, rids: Collection[int]) -> dict[int, ShownEntry]:
        """What the pages for people show of each of ``rids`` (a summary not known yet:
        ``None``; known to be absent: ``""``)."""
        return entries.shown(self.db, rids)

    def unknown_summaries(self, rids: Collection[int]) -> list[int]:
        """Those of ``rids`` whose summary no build has learned yet (from the record read)."""
        return entries.unknown_summaries(self.db, rids)

    def learn_summaries(self, summaries: Mapping[int, str]) -> None:
        """Keep the summaries of records read since the read stage (``""``: none)."""
        entries.learn_summaries(self.db, summaries)

    def next_due(self, now: float | None) -> float | None:
        """When the earliest withheld (future) entry falls due, if any."""
        return entries.next_due(self.db, now)

    # -- what was published -------------------------------------------------------------

    def published(
        self, folders: Iterable[str] | None = None, *, apart: str = ""
    ) -> dict[str, PublishedFeed]:
        """What each published feed file was, by path (``folders``: only under those; ""
        the top but for its subfolder ``apart``)."""
        self._write_records()
        return published.published(self.db, folders, apart=apart)

    # -- what a change touches ------------------------------------------------------------

    def footprint(self, paths: Sequence[str]) -> Footprint:
        """The terms and periods the records of ``paths`` show, and the records shadowed now."""
        return scope.footprint(self.db, paths)

    def shown_by(self, rids: Iterable[int]) -> Footprint:
        """The terms and periods of the records ``rids`` that still exist."""
        return scope.shown_by(self.db, rids)

    def feed_facts(self) -> dict[str | None, StoredFacts]:
        """Each subscription feed's facts as the last build planned them, by term."""
        return scope.feed_facts(self.db)

    def remember_facts(
        self, facts: dict[str | None, StoredFacts], scope_terms: Collection[str] | None
    ) -> None:
        """Store each subscription feed's facts: all of them (``scope_terms`` None), or the
        site feed's and those categories'."""
        scope.remember_facts(self.db, facts, scope_terms)

    def record_feed(self, path: str, feed: PublishedFeed) -> None:
        """Remember what a feed file now holds.

        A build records tens of thousands: they are committed :data:`RECORDS_PER_COMMIT` at a
        time (one commit each cost 0.1-0.3 ms here), and before anything a hub is owed, the
        build's end and the state's closing. Lost with a killed build, a record costs nothing
        but a look: the next build, after one that did not finish, compares every document
        with the target, and one written but not recorded holds the bytes it renders."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        self._recorded.append((path, feed))
        if len(self._recorded) >= RECORDS_PER_COMMIT:
            self._commit_records()

    def _write_records(self) -> None:
        """Write the feed records made since the last (in one statement: a new title records
        65,398 documents at 100,000 records with archives, one by one on the publishing loop)."""
        if self._recorded:
            published.record_feeds(self.db, self._recorded)
            self._recorded = []

    def _commit_records(self) -> None:
        # What else was written inside the records' transaction (a removed feed forgotten)
        # is committed with them, even when no record is left to write.
        self._write_records()
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def forget_feeds(self, paths: Iterable[str]) -> None:
        """Forget feed files that were removed."""
        self._write_records()
        published.forget_feeds(self.db, paths)

    def any_published_url(self) -> bool:
        """Whether any entry's URL was published yet (else no id can have moved)."""
        return published.any_url(self.db)

    def previous_ids(self, urls: Iterable[str]) -> dict[str, str]:
        """The id each URL was last published under."""
        return published.previous_ids(self.db, urls)

    def remember_urls(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record the id each published URL now has. A pair recorded lately is not written
        again: a record is on its period's page in every format and on its categories' pages
        (835,797 entries shown for 100,000 records), one after the other."""
        if len(self._remembered) > _REMEMBERED:
            self._remembered.clear()
        fresh = [(url, id_) for url, id_ in pairs if self._remembered.get(url) != id_]
        self._remembered.update(fresh)
        published.remember_urls(self.db, fresh)

    # -- WebSub ---------------------------------------------------------------------------

    def owed(self) -> dict[str, OwedHub]:
        """Per hub, the feed URLs it has not been told of yet (sorted) and since when the
        oldest of them is owed (POSIX seconds, by the builds' clock)."""
        return published.owed(self.db)

    def owed_urls(self) -> dict[str, list[OwedUrl]]:
        """The feed URLs each hub has not been told of yet, by hub, URLs sorted, each with
        since when and the mark a delivery clears (see :func:`record_deliveries`)."""
        return published.owed_urls(self.db)

    def owe_hubs(self, hubs: Iterable[str], url: str, since: float) -> None:
        """Remember that each of ``hubs`` has to be told of ``url``, owed since ``since``
        (or since it was first owed, if it still is): at once, for a killed build."""
        self._commit_records()
        published.owe_hubs(self.db, hubs, url, since, self._mark)

    def forget_hubs(self, keep: Iterable[str]) -> None:
        """Forget what is owed to any hub but ``keep`` (hubs no longer in the config)."""
        published.forget_hubs(self.db, keep)

    def delivered(self, hub: str, urls: Iterable[OwedUrl]) -> None:
        """``hub`` was told of ``urls``: clear each that no build has owed again since."""
        published.delivered(self.db, hub, urls)


def record_deliveries(
    state_dir: Path, delivered: Mapping[str, Sequence[OwedUrl]], *, wait: float = 2.0
) -> bool:
    """Clear what hubs were told of in the stored state, without its lock: a build that
    announces after releasing it records here, while another build may be running.

    Only the rows announced are cleared, and only those still under the mark announced (one
    owed again since stays owed: told twice, never lost). Nothing is created or rebuilt: with
    no stored state, or one of another shape, nothing is recorded. Waits up to ``wait``
    seconds for a writer; returns whether it recorded."""
    path = state_dir / DATABASE
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(
            path.resolve().as_uri() + "?mode=rw", uri=True, timeout=wait, isolation_level=None
        )
    except sqlite3.Error:
        return False
    try:
        if meta(db, "schema") != SCHEMA_VERSION:
            return False
        db.execute("BEGIN IMMEDIATE")
        for hub, urls in delivered.items():
            published.delivered(db, hub, urls)
        db.execute("COMMIT")
        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()
