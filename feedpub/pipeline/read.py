"""The first stage: bring the build state up to date with the articles folder.

Only new and changed files are parsed; unchanged files' problems come from the
cache. What a user reads about records (duplicates, merged labels, stored
problems, with paths as this run names the articles folder) is worded here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from feedpub.errors import RecordError, RecordWarning
from feedpub.records.source import FileSource, RecordSource, shown_paths
from feedpub.state import BuildState, Changes, FileProblem, Footprint, IndexedEntry

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.pipeline.plan import PageEntries, PlannedFeed

__all__ = [
    "FEEDS_WRITTEN",
    "PARALLEL_WALK",
    "RECORDS_READ",
    "Progress",
    "RecordsRead",
    "id_changes",
    "read_records",
    "shown_paths",
]


class Progress(Protocol):
    """Told how far a build is: ``progress(done, total)`` while record files are read, then
    ``progress(done, total, FEEDS_WRITTEN)`` as planned feeds are published."""

    def __call__(self, done: int, total: int, what: str = ..., /) -> None:
        """``done`` of ``total`` ``what`` (:data:`RECORDS_READ` or :data:`FEEDS_WRITTEN`)."""


RECORDS_READ = "records read"
FEEDS_WRITTEN = "feeds written"
#: From this many record files on (as the last walk found), the walk is shared out.
PARALLEL_WALK = 20000
#: Up to this many changed files, the terms they touch are worked out (a build for a change
#: may then plan only those feeds); more, and the whole plan is cheaper than the lookups.
FOOTPRINT_MAX_FILES = 1000


@dataclass(frozen=True)
class RecordsRead:
    """What reading the articles folder found."""

    changed: bool  # some record file was added, changed or removed
    records: int  # good and bad
    records_changed: int
    bad: int
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)
    #: Which feeds (besides the site's) and archive periods may show something new: the terms
    #: and periods the changed records had before or have now, and those of records a duplicate
    #: id shadowed or brought back. ``None``: not worked out (a cold read, too many files).
    touched: Footprint | None = None


def _from_stored(problems: list[FileProblem], shown: str) -> list[RecordError | RecordWarning]:
    return [
        (RecordError if p.level == "error" else RecordWarning)(
            p.reason, path=shown, line=p.line, record=p.record, field=p.field
        )
        for p in problems
    ]


def _named_changes(
    state: BuildState, source: RecordSource, paths: frozenset[str]
) -> Changes | None:
    """How the files ``paths`` name differ from what the state knows, without a walk; ``None``
    when a walk must tell (a database's rows have no paths to name; a folder: see
    :meth:`FileSource.look_up` and :meth:`BuildState.changes_named`)."""
    if not isinstance(source, FileSource):
        return None
    looked = source.look_up(paths)
    return None if looked is None else state.changes_named(*looked)


def read_records(
    state: BuildState,
    root: Path | RecordSource,
    config: SiteConfig,
    *,
    bodies: bool = False,
    progress: Progress | None = None,
    paths: frozenset[str] | None = None,
    footprint: bool = False,
    parallel_walk: bool = True,
) -> RecordsRead:
    """Sync ``state`` with the records under ``root`` (a folder, or a database source); report
    their problems and counts.

    ``bodies`` checks bodies fully too (``feedpub check``); a build checks the
    bodies it renders. ``progress(done, total)`` is called now and then. ``paths``: only
    these record files (relative to a folder ``root``) may have changed, so only they are
    looked at, unless a walk must tell (see :func:`feedpub.pipeline.build`). ``footprint``:
    work out what the changes touch (:attr:`RecordsRead.touched`), for a build that may plan
    only that; without it ``touched`` is ``None``. ``parallel_walk=False``: a folder is walked
    in this process, however large.
    """
    source = FileSource(root) if isinstance(root, Path) else root
    shown = source.shown
    state.repartition(config.records.archive, config.records.timezone)
    changes = _named_changes(state, source, paths) if paths is not None else None
    if changes is None:
        # What the walk could not look at is reported, and its records stay as last read.
        changes = state.changes(
            lambda: source.listing(parallel=parallel_walk and state.known_files >= PARALLEL_WALK),
            listing=source.listing_digest(),
            unseen=lambda: [problem.relative for problem in source.skipped()],
            by_name=lambda: isinstance(source, FileSource) and source.by_name(),
        )
    problems: list[RecordError | RecordWarning] = [problem.error for problem in source.skipped()]
    for relative in changes.flagged:
        problems.extend(_from_stored(state.problems(relative), shown(relative)))
    changed_records = 0
    touched: Footprint | None = Footprint(frozenset(), frozenset())
    if changes.any:
        # Named only when few: a cold build's list of every path held 103 MiB at 1,000,000.
        named: list[str] = []
        before = None
        few = len(changes.changed) + len(changes.removed) <= FOOTPRINT_MAX_FILES
        if footprint and state.known_files and few:
            named = [relative for relative, _, _ in changes.changed] + changes.removed
            before = state.footprint(named)
        with state.update(changes) as update:
            for done, parsed in enumerate(
                source.parse(changes.changed, config.records, bodies=bodies), 1
            ):
                if progress is not None and done % 500 == 0:
                    progress(done, len(changes.changed))
                stored_hash = state.file_hash(parsed.path)
                if stored_hash == parsed.file_hash:
                    update.touch(parsed.path, parsed.size, parsed.mtime_ns)
                    problems.extend(_from_stored(state.problems(parsed.path), shown(parsed.path)))
                    continue
                update.replace(parsed, known=stored_hash is not None)
                changed_records += parsed.count
                problems.extend(parsed.errors)
                problems.extend(parsed.warnings)
            if progress is not None:
                progress(len(changes.changed), len(changes.changed))
        touched = None
        if before is not None:
            after = state.footprint(named)
            moved = state.shown_by(before.shadowed ^ after.shadowed)
            touched = Footprint(before.terms | after.terms, before.periods | after.periods) | moved
    else:
        state.remember_walk(changes)
    errors = [p for p in problems if isinstance(p, RecordError)]
    parse_errors = {(e.path, e.line, e.record) for e in errors}
    errors.extend(
        RecordError(
            "duplicate id, already used by a record in "
            + shown(d.first_path)
            + (f":{d.first_line}" if d.first_line else "")
            + "; this record is left out",
            path=shown(d.path),
            line=d.line,
            record=d.id,
            field="id",
        )
        for d in state.duplicates()
    )
    warnings = [p for p in problems if isinstance(p, RecordWarning)]
    warnings.extend(
        RecordWarning(
            f"label {c.later.label!r} has the same term {c.first.term!r} as {c.first.label!r}; "
            f"both are published as {c.first.label!r}",
            path=shown(c.path),
            line=c.line,
            record=c.id,
            field="categories",
        )
        for c in state.label_conflicts()
    )
    return RecordsRead(
        changed=changes.any,
        # Records that failed to parse are not in the cache: count them as read too.
        records=state.record_count() + len(parse_errors),
        records_changed=changed_records,
        bad=len({(e.path, e.line, e.record) for e in errors}),
        errors=errors,
        warnings=warnings,
        touched=touched,
    )


#: Entries looked up at once by :func:`id_changes`: the archive pages' entries are read a few
#: pages at a time, not held all at once.
ID_CHUNK = 20_000


def id_changes(
    state: BuildState, source: RecordSource, feeds: list[PlannedFeed], entries: PageEntries
) -> list[RecordWarning]:
    """Warn when a URL that was published before comes back under another id (of two
    entries with one URL, the later one in ``feeds`` is the one published last)."""
    moved: dict[str, tuple[str, IndexedEntry]] = {}
    if not state.any_published_url():  # nothing published yet: no page needs reading
        return []
    chunk: dict[str, IndexedEntry] = {}

    def look() -> None:
        before = state.previous_ids(chunk)
        for url, entry in chunk.items():
            if url in before and before[url] != entry.id:
                moved[url] = (before[url], entry)
            else:  # a later entry under this URL has its old id again
                moved.pop(url, None)
        chunk.clear()
        entries.forget()

    for feed in feeds:
        chunk.update((e.url, e) for e in entries.fill(feed).entries if e.url is not None)
        if len(chunk) >= ID_CHUNK:
            look()
    look()
    shown = source.shown
    return [
        RecordWarning(
            f"was published before as id {old!r}, now as {entry.id!r}: readers will "
            "show this article twice (keep the old id, or accept the duplicate once)",
            path=shown(entry.path),
            record=entry.id,
            field="url",
        )
        for url, (old, entry) in sorted(moved.items())
    ]
