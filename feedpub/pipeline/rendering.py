"""Rendering and validating the planned feeds, in order: each entry once per format, each
document assembled from its entries and its own frame.

A batch's feeds show each record on several documents (its period's archive pages, site and
categories', and the subscription documents), in every format. Each entry is rendered once per
format and validated with a few hundred others in one document; each document's frame (its
head and tail, :class:`~feedpub.output.assembly.Frame`) is rendered and validated on its own;
the document is the frame around its entries' bytes, byte for byte what rendering it whole
gives. What only the whole can show is checked on assembly: no two entries share an id, and
the document's date is its newest entry's (the frame takes it from them).

A document is rendered and validated whole instead, as before, when assembling it would leave
a doubt: one of its entries or its frame drew a finding (so that the findings name the
document and its lines), two of its entries share an id, or it is over ``max_bytes``.
``paranoid`` validates every assembled document whole as well.

The workers read the bodies they render themselves (a source's
:meth:`~feedpub.records.source.RecordSource.loader`), each record once a batch: a job of entries
renders some records' entries in every format. They then need nothing this process holds, and
are started by the fork server (:func:`~feedpub.parallel.ordered_map`'s ``fresh``), not forked
from this process with the plan of every document. Where this process read the bodies (a
watcher's kept ones, a database's rows) the workers are forked and inherit them. Entries go
through a spool folder (a file per job of entries, with what each document's frame takes from
its entries: the workers rendering documents read them there, so that no process holds a
batch's entries), and each document is put together where its frame is rendered. Into a
folder the worker also writes it beside its path
(:class:`~feedpub.output.targets.base.Staging`) and sends back only its digest: a cold build
with archives at 100,000 records makes 3.7 GB of documents, none of which then travels
through this process, which only puts the files in place in order. What the workers wrote
and a build stopped early never took is removed once they are gone.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Collection, Generator, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from feedpub.digest import digest_bytes
from feedpub.errors import Problem
from feedpub.model import Article, Category, Format
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.output.publish import staged_name
from feedpub.parallel import ordered_map
from feedpub.pipeline.documents import DocSpec, Facts, make_document, read_articles
from feedpub.pipeline.entry_spool import (
    close_spools,
    spool_failed,
    spool_folder,
    write_spool,
)
from feedpub.pipeline.frames import Frames
from feedpub.pipeline.pages import summaries_of
from feedpub.pipeline.plan import PlannedFeed
from feedpub.records.ids import entry_id
from feedpub.records.parse import WantedRecord

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.meta import FeedMeta
    from feedpub.output.publish import Staged
    from feedpub.output.targets import PublishTarget, Stored
    from feedpub.output.targets.base import Staging
    from feedpub.pipeline.cutting import Cuts
    from feedpub.records.source import Loader
    from feedpub.state import IndexedEntry

__all__ = [
    "ENTRIES_PER_JOB",
    "PARALLEL_MIN_ENTRIES",
    "PARALLEL_MIN_FEEDS",
    "WINDOW_ENTRIES",
    "RenderedFeed",
    "render_feeds",
    "staging_for",
    "warm",
]

#: Below this many documents, rendering their frames in worker processes costs more than it saves.
PARALLEL_MIN_FEEDS = 48
#: Below this many entries (all formats), rendering them in worker processes costs more than it
#: saves (a story under ``feedpub watch`` re-renders its month's archive pages: hundreds to
#: thousands of entries).
PARALLEL_MIN_ENTRIES = 1500
#: Entries rendered (and validated) together, in one document: one job.
ENTRIES_PER_JOB = 200
#: The new entries (all formats) a window of documents brings: about what is held at once.
WINDOW_ENTRIES = 3000
#: Jobs out per core at once (each holds at most :data:`ENTRIES_PER_JOB` entries' bytes).
AHEAD_JOBS = 16
_GROUP = 8  # frames per job

#: Where the documents that validate entries together say they live: nowhere a reader sees.
_ALONE = FeedLinks("")

#: Some records' entries (the job's number; by format, the records; the records to read, if the
#: workers read them).
_EntryJob = tuple[int, list[tuple[Format, list[int]]], list[WantedRecord]]
#: A job: some records' entries, or a few documents.
_Job = _EntryJob | list[DocSpec]


@dataclass(frozen=True)
class RenderedFeed:
    """A planned feed rendered: its bytes and what validation found in them."""

    feed: PlannedFeed
    data: bytes
    problems: tuple[Problem, ...]
    #: The oldest entries left out to keep the document within ``max_bytes``.
    dropped: int = 0
    #: Where its entries are and what its frame took from them, as the state keeps it
    #: (:meth:`Framing.text`; ``""``: not kept, so the next build that changes only its frame
    #: renders it whole). Made where the document was, so that this process parses none.
    framing: str = ""
    #: Its bytes, already written beside its path by the worker that made them (``data`` is
    #: then empty; see :class:`~feedpub.output.targets.base.Staging`), and their digest.
    staged: Staged | None = None
    sha: str = ""
    #: Its entries are the published ones, cut from its bytes (framed anew): the ids their
    #: URLs were published under are remembered already.
    kept: bool = False

    @property
    def valid(self) -> bool:
        """True when validation found no error (warnings allowed)."""
        return not any(p.level == "error" for p in self.problems)

    def put(self, target: PublishTarget, content_type: str) -> tuple[bool, Stored, str]:
        """Publish it at its path unless the path holds it already: whether it was written,
        what the path holds now, and its bytes' digest."""
        if self.staged is None:
            written, stored = target.write_if_changed(self.feed.path, self.data, content_type)
            return written, stored, digest_bytes(self.data)
        # Only a Staging target's workers stage (a protocol's isinstance costs 18 µs a call).
        written, stored = cast("Staging", target).adopt(self.feed.path, self.staged)
        return written, stored, self.sha


def staging_for(target: PublishTarget, *, writing: bool) -> Staging | None:
    """``target`` when the processes rendering documents should write them beside their paths
    themselves (a folder, ``writing``), else ``None``."""
    from feedpub.output.targets.base import Staging

    return target if writing and isinstance(target, Staging) else None


def _entry_job(
    config: SiteConfig, fmt: Format, articles: list[Article]
) -> tuple[list[bytes], list[int]]:
    """Render some records' entries in one format, and validate them in one document: their
    bytes, and the indexes of the entries that drew a finding (each judged alone once the
    document did: all of them if none alone does)."""
    from feedpub.validate import validate_feed

    spec = FORMATS[fmt]
    entries, together = spec.render_entries(articles, config.feed, _ALONE)
    if not validate_feed(together, publishing=True):
        return entries, []
    flagged = [
        index
        for index, article in enumerate(articles)
        if validate_feed(spec.render_entries([article], config.feed, _ALONE)[1], publishing=True)
    ]
    return entries, flagged or list(range(len(articles)))


def _job(shared: dict[str, Any], job: _Job) -> Any:
    if isinstance(job, tuple):
        return _spool_entries(shared, job)
    frames: Frames = shared["frames"]
    return [make_document(shared, spec) for spec in job], frames.made()


def _spool_entries(shared: dict[str, Any], job: _EntryJob) -> dict[int, str] | None:
    """Render and validate some records' entries in each format (:func:`_entry_job`) into the
    spool file named by the job's number: a header (the entries' lengths, the indexes of those
    that drew a finding, each record's :data:`Facts` or ``None`` when it changed since the
    read stage), then the entries' bytes (none for such a record). Put in place whole, or a
    mark that it failed, so that a document waiting for it never reads half of it. The
    summaries of its records that the build's process asked for are handed back."""
    from feedpub.output.render import entry_facts

    number, parts, wanting = job
    spool = Path(shared["spool"])
    try:
        config: SiteConfig = shared["config"]
        wanted = {record.key: record for record in wanting}
        rids = list(dict.fromkeys(rid for _, part in parts for rid in part))
        articles = read_articles(shared, rids, wanted)
        domain = config.feed.domain
        facts: dict[int, Facts | None] = {rid: None for rid in rids}
        for rid, article in articles.items():
            id_ = entry_id(article.id, article.published, domain)
            facts[rid] = (id_, *entry_facts(article), wanted.get(rid))
        flagged: list[int] = []  # places whose entry drew a finding
        placed: list[bytes] = []  # each record's entry in each format (a gone one's empty)
        for fmt, part in parts:
            shown = [articles[rid] for rid in part if rid in articles]
            made, bad = _entry_job(config, fmt, shown)
            found = set(bad)
            taken = iter(enumerate(made))
            for rid in part:
                if rid not in articles:
                    placed.append(b"")
                    continue
                index, entry = next(taken)
                if index in found:
                    flagged.append(len(placed))
                placed.append(entry)
        write_spool(spool / str(number), placed, flagged, facts)
    except BaseException:
        spool_failed(spool / str(number))
        raise
    wanted_summaries: frozenset[int] = shared["summaries"]
    summaries = summaries_of(articles, wanted_summaries)
    return summaries or None


@functools.cache
def warm(meta: FeedMeta) -> None:
    """Import the renderers and validators and load their schemas in this process, once, so
    that the workers every batch forks (or the fork server starts) have them: a worker that
    loads them itself spends about 0.3 s on it (at 100,000 records, batches of 5,000 start
    40 of them)."""
    from feedpub.output.assembly import FrameFacts
    from feedpub.validate import validate_feed

    facts = FrameFacts(datetime(2000, 1, 1, tzinfo=UTC))
    for spec in FORMATS.values():
        validate_feed(spec.render_frame(None, facts, meta, _ALONE).empty)


def render_feeds(
    config: SiteConfig,
    categories: dict[str, Category],
    articles: Mapping[int, Article],
    feeds: list[PlannedFeed],
    *,
    load: Loader | None = None,
    gone: dict[int, IndexedEntry] | None = None,
    summaries: Collection[int] = (),
    learn: Callable[[dict[int, str]], None] | None = None,
    paranoid: bool = False,
    staging: Staging | None = None,
    frames: Frames | None = None,
    cuts: Cuts | None = None,
) -> Iterator[RenderedFeed]:
    """Render and validate ``feeds``, yielding each in order as it is done; into ``staging``
    (a folder), each valid document is written beside its path where it is made. ``frames``:
    the frame templates made so far (those made here are added), else a new set.

    The entries' articles are in ``articles``, or read by the processes rendering them with
    ``load`` (``articles`` then empty). A record changed since the read stage (not in
    ``articles``, or no longer what its entry says) is left out of the documents, which then
    get a digest no plan makes (the next build renders them again), and added to ``gone``.

    The documents go in windows, in order: a window's entries not rendered yet, then (after
    the next window's entries, so that the workers never wait for them) its documents, in
    jobs of a few. Entries go through a spool folder, a file per job of entries, removed once
    the last document showing one of them is out: what is held at once is about a window's
    entries, on disk, and a few documents.

    The summaries of the ``summaries`` records the workers read (the pages for people show
    them; the read stage stores none) are given to ``learn`` as each job is back.

    ``cuts`` (with ``load``): the documents that take some entries from their published bytes
    (:mod:`feedpub.pipeline.cutting`): those entries are not rendered, nor their records read.
    """
    cut_from = cuts.by_path if cuts is not None and load is not None else {}
    specs = [(f.term, f.fmt, f.path, [e.rid for e in f.entries], f.links) for f in feeds]
    records = {e.rid: e for f in feeds for e in f.entries} if load is not None else {}
    at: dict[tuple[Format, int], tuple[int, int]] = {}  # (job of entries, index in it)
    entry_jobs: list[list[_EntryJob]] = []
    doc_jobs: list[list[list[DocSpec]]] = []
    last_doc: dict[int, int] = {}  # spool file: the last document reading it
    spools = itertools.count()
    first = 0
    while first < len(specs):
        fresh: dict[int, list[Format]] = {}  # the window's new entries, by record
        end, count = first, 0
        while end < len(specs) and (end == first or count < WINDOW_ENTRIES):
            _, fmt, path, rids, _ = specs[end]
            cut = cut_from.get(path)
            for rid in rids:
                if cut is not None and rid in cut.at:
                    continue
                if (fmt, rid) not in at:
                    at[fmt, rid] = (-1, -1)
                    fresh.setdefault(rid, []).append(fmt)
                    count += 1
            end += 1
        window: list[_EntryJob] = []
        # A file of many records (JSON Lines) is decoded whole for each job wanting one of
        # them: in path order, its records share few jobs.
        order = sorted(fresh, key=lambda rid: records[rid].path) if records else list(fresh)
        for i in range(0, len(order), ENTRIES_PER_JOB):  # a job's records, each read once
            number = next(spools)
            chunk = order[i : i + ENTRIES_PER_JOB]
            parts: dict[Format, list[int]] = {}
            for rid in chunk:
                for fmt in fresh[rid]:
                    parts.setdefault(fmt, []).append(rid)
            place = itertools.count()
            for fmt, part in parts.items():
                at.update(((fmt, rid), (number, next(place))) for rid in part)
            wanting = [records[rid].wanted() for rid in chunk] if records else []
            window.append((number, list(parts.items()), wanting))
        entry_jobs.append(window)
        documents: list[DocSpec] = []
        for number in range(first, end):
            term, fmt, path, rids, links = specs[number]
            cut = cut_from.get(path)
            kept = cut.at if cut is not None else {}
            where = [(-1, kept[rid]) if rid in kept else at[fmt, rid] for rid in rids]
            for spool, _ in where:
                if spool >= 0:
                    last_doc[spool] = number
            name = staged_name() if staging is not None else ""
            feed = feeds[number]
            taking = None
            if cut is not None:
                taking = (cut.sha, cut.framing, {rid: records[rid].wanted() for rid in kept})
            documents.append(
                (term, fmt, path, rids, links, where, name, feed.body, feed.entry_keys, taking,
                 (feed.fingerprint, feed.shape))
            )  # fmt: skip
        doc_jobs.append([documents[i : i + _GROUP] for i in range(0, len(documents), _GROUP)])
        first = end
    if not specs:
        return
    jobs: list[_Job] = [*entry_jobs[0]]
    for later, documents_jobs in enumerate(doc_jobs, 1):
        jobs += entry_jobs[later] if later < len(entry_jobs) else []
        jobs += documents_jobs
    done_with: dict[int, list[int]] = {}
    for spool, number in last_doc.items():
        done_with.setdefault(number, []).append(spool)
    entries = len(at)
    many = entries >= PARALLEL_MIN_ENTRIES or len(specs) >= PARALLEL_MIN_FEEDS
    fresh_workers = load is not None and not articles
    if many and not fresh_workers:
        warm(config.feed)
    folder = spool_folder()
    held = frames if frames is not None else Frames()
    shared = {
        "config": config,
        "categories": categories,
        "articles": articles,
        "load": load,
        "summaries": frozenset(summaries) if learn is not None else frozenset(),
        "spool": str(folder),
        "target": staging,
        "paranoid": paranoid,
        "frames": held,
        "published": cuts.target if cut_from and cuts is not None else None,
    }
    # Far ahead: a window's entries come before its documents, and the documents are taken
    # here in order; with a few jobs out, the workers waited while this process published a
    # window, and this process while they rendered the next one's entries.
    results = ordered_map(
        _job,
        jobs,
        shared,
        min_jobs=2 if many else len(jobs) + 1,
        ahead=AHEAD_JOBS,
        fresh=fresh_workers,
    )
    numbers = iter(range(len(specs)))  # documents come in their order
    handed = 0
    try:
        for job, result in zip(jobs, results, strict=True):
            if isinstance(job, tuple):
                if result and learn is not None:
                    learn(result)
                continue
            done, made = result
            held.adopt(made)
            for data, problems, dropped, framing, staged, sha, lost in done:
                number = next(numbers)
                feed = feeds[number]
                if lost:
                    feed = _without(feed, set(lost), gone)
                yield RenderedFeed(feed, data, tuple(problems), dropped, framing, staged, sha)
                handed = number + 1  # asked for the next: this one was taken
                for spool in done_with.get(number, ()):
                    (folder / str(spool)).unlink(missing_ok=True)
    finally:
        if isinstance(results, Generator):  # its workers end with it
            results.close()
        close_spools()
        with suppress(OSError):  # what no document was left to read
            for name in os.listdir(folder):
                (folder / name).unlink(missing_ok=True)
            folder.rmdir()
        if staging is not None:  # what was written and never taken
            untaken = [d for documents in doc_jobs for group in documents for d in group]
            for _, _, path, _, _, _, name, *_ in untaken[handed:]:
                staging.unstage(path, name)


def _without(
    feed: PlannedFeed, lost: set[int], gone: dict[int, IndexedEntry] | None
) -> PlannedFeed:
    """``feed`` without the entries of ``lost`` records (added to ``gone``), under a digest
    no plan makes, so that the next build, which sees their change, renders it again."""
    if gone is not None:
        gone.update((e.rid, e) for e in feed.entries if e.rid in lost)
    entries = tuple(e for e in feed.entries if e.rid not in lost)
    return replace(
        feed, entries=entries, digest="stale", body="", entry_keys=(), shape="", fingerprint=""
    )
