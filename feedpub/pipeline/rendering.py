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
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from feedpub.digest import digest_bytes
from feedpub.errors import Problem
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.assembly import Framing
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.output.publish import staged_name
from feedpub.parallel import ordered_map
from feedpub.pipeline.entry_spool import (
    close_spools,
    spool_failed,
    spool_folder,
    spooled_file,
    write_spool,
)
from feedpub.pipeline.frames import Frames
from feedpub.pipeline.pages import for_pages
from feedpub.pipeline.plan import PlannedFeed
from feedpub.records.ids import entry_id
from feedpub.records.parse import WantedRecord

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.meta import FeedMeta
    from feedpub.output.publish import Staged
    from feedpub.output.targets import PublishTarget, Stored
    from feedpub.output.targets.base import Staging
    from feedpub.records.source import Loader
    from feedpub.state import IndexedEntry

__all__ = [
    "ENTRIES_PER_JOB",
    "PARALLEL_MIN_ENTRIES",
    "PARALLEL_MIN_FEEDS",
    "WINDOW_ENTRIES",
    "RenderedFeed",
    "render_feeds",
    "stage_valid",
    "staging_for",
    "warm",
    "with_canonical_categories",
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

#: A document to render, as rendered whole: (term, format, path, rids of its entries, links).
_Spec = tuple[str | None, Format, str, list[int], FeedLinks]
#: A document to render, as sent to a worker: the above, where each entry is in the spool (job
#: of entries, index in it), the temporary file to write it to ("": none), its body digest.
_DocSpec = tuple[str | None, Format, str, list[int], FeedLinks, list[tuple[int, int]], str, str]
#: Some records' entries (the job's number; by format, the records; the records to read, if the
#: workers read them).
_EntryJob = tuple[int, list[tuple[Format, list[int]]], list[WantedRecord]]
#: A job: some records' entries, or a few documents.
_Job = _EntryJob | list[_DocSpec]
#: What a document takes from an entry: its id, when it changed, whether it names its people
#: with ``dc:creator``, how to read its record again (``None``: this process has it).
_Facts = tuple[str, datetime, bool, WantedRecord | None]
#: A document rendered: its bytes (empty when written beside its path), what validation found,
#: the entries left out for ``max_bytes``, its framing's text, where it was written, its
#: digest, the records left out because they changed since the read stage.
_Done = tuple[bytes, list[Problem], int, str, "Staged | None", str, list[int]]


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


def with_canonical_categories(article: Article, categories: Mapping[str, Category]) -> Article:
    """``article`` with its categories as the site shows them (one label a term)."""
    shown = tuple(categories.get(c.term, c) for c in article.categories)
    return article if shown == article.categories else replace(article, categories=shown)


def _articles(
    shared: dict[str, Any], rids: list[int], wanted: Mapping[int, WantedRecord]
) -> dict[int, Article]:
    """The articles of ``rids`` this process has, or reads now (the ``wanted`` records); a
    record changed since the read stage is left out."""
    have: Mapping[int, Article] = shared["articles"]
    found = {rid: have[rid] for rid in rids if rid in have}
    load: Loader | None = shared["load"]
    unread = [wanted[rid] for rid in rids if rid not in found and rid in wanted]
    if load is not None and unread:
        categories = shared["categories"]
        for rid, article in load(unread).items():
            found[rid] = with_canonical_categories(article, categories)
    return found


def _job(shared: dict[str, Any], job: _Job) -> Any:
    if isinstance(job, tuple):
        return _spool_entries(shared, job)
    frames: Frames = shared["frames"]
    return [_document(shared, spec) for spec in job], frames.made()


def _spool_entries(shared: dict[str, Any], job: _EntryJob) -> dict[int, Article] | None:
    """Render and validate some records' entries in each format (:func:`_entry_job`) into the
    spool file named by the job's number: a header (the entries' lengths, the indexes of those
    that drew a finding, each record's :data:`_Facts` or ``None`` when it changed since the
    read stage), then the entries' bytes (none for such a record). Put in place whole, or a
    mark that it failed, so that a document waiting for it never reads half of it. The
    articles it read that the pages for people show (``keep``) are handed back, without
    their bodies (a page shows none)."""
    from feedpub.output.render import entry_facts

    number, parts, wanting = job
    spool = Path(shared["spool"])
    try:
        config: SiteConfig = shared["config"]
        wanted = {record.key: record for record in wanting}
        rids = list(dict.fromkeys(rid for _, part in parts for rid in part))
        articles = _articles(shared, rids, wanted)
        domain = config.feed.domain
        facts: dict[int, _Facts | None] = {rid: None for rid in rids}
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
    keep: frozenset[int] = shared["keep"]
    paged = {rid: for_pages(a) for rid, a in articles.items() if rid in keep}
    return paged or None


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


def _document(shared: dict[str, Any], spec: _DocSpec) -> _Done:
    """One document: its frame rendered and validated on its own, around its entries' bytes
    from the spool; rendered and validated whole where that would leave a doubt (see the
    module docstring); written beside its path when it is valid and ``name`` is given. A
    record changed since the read stage is left out of it."""
    from feedpub.output.render import facts_of
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    term, fmt, path, rids, links, where, name, body = spec
    cap = config.syndication.max_bytes
    shown: list[bytes] = []
    kept: list[int] = []
    facts: list[_Facts] = []
    gone: list[int] = []
    whole = False
    for rid, (number, index) in zip(rids, where, strict=True):
        # Read at once: opening the next file may close this one (and reuse its descriptor).
        spooled = spooled_file(Path(shared["spool"], str(number)))
        fact = spooled.facts[rid]
        if fact is None:
            gone.append(rid)
            continue
        whole = whole or index in spooled.flagged
        shown.append(spooled.entry(index))
        kept.append(rid)
        facts.append(fact)
    whole = whole or len({fact[0] for fact in facts}) < len(facts)
    framing = ""
    dropped = 0
    if not whole:
        category = shared["categories"].get(term or "")
        made = facts_of([(updated, people) for _, updated, people, _ in facts])
        frames: Frames = shared["frames"]
        frame, problems = frames.frame(fmt, category, made, config.feed, links, path)
        over = cap is not None and not links.archive and frame.size(shown) > cap
        whole = bool(problems) or over
    if whole:
        wanted = {rid: fact[3] for rid, fact in zip(kept, facts, strict=True) if fact[3]}
        spec_ = (term, fmt, path, kept, links)
        data, problems, dropped, lost = _render_whole(shared, spec_, wanted)
        gone += lost
    else:
        data = frame.page(shown)
        problems = validate_feed(data, source=path, publishing=True) if shared["paranoid"] else []
        framing = Framing(body, len(frame.head) if shown else -1, made).text() if body else ""
    if gone:
        framing = ""  # its entries are not what its plan says: none to frame anew
    staged = stage_valid(shared["target"], path, data, name, problems)
    if staged is None:
        return data, problems, dropped, framing, None, "", gone
    return b"", problems, dropped, framing, staged, digest_bytes(data), gone


def stage_valid(
    target: Staging | None,
    path: str,
    data: bytes,
    name: str,
    problems: list[Problem],
    *,
    held: bytes | None = None,
) -> Staged | None:
    """``data`` written beside ``path`` as ``name`` (in a worker: :meth:`Staging.stage`; ``held``:
    what ``path`` was just read to hold) when a ``name`` is given and validation found no
    error; ``None`` otherwise, or when it cannot be written: the publishing process writes it
    then, and says why if it cannot."""
    if target is None or not name or any(p.level == "error" for p in problems):
        return None
    with suppress(OSError):
        return target.stage(path, data, name, held=held)
    return None


def _render_whole(
    shared: dict[str, Any], spec: _Spec, wanted: Mapping[int, WantedRecord]
) -> tuple[bytes, list[Problem], int, list[int]]:
    """Render and validate one document whole (see the module docstring for when), reading
    the ``wanted`` records this process does not have; and the records left out because
    they changed since the read stage."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    term, fmt, path, rids, links = spec
    articles = _articles(shared, rids, wanted)
    shown = tuple(articles[rid] for rid in rids if rid in articles)
    plan = FeedPlan(shared["categories"].get(term or ""), shown)

    def render(entries: tuple[Article, ...]) -> bytes:
        return FORMATS[fmt].render(FeedPlan(plan.category, entries), config.feed, links)

    data = render(plan.entries)
    kept = len(plan.entries)
    cap = config.syndication.max_bytes
    if cap is not None and len(data) > cap and not links.archive:
        # Keep the most of the newest entries that fit: found by halving, since the size
        # grows with each entry kept (archive pages, which nothing replaces, keep them all).
        low, high, best, kept = 0, kept - 1, render(()), 0
        while low <= high:
            middle = (low + high) // 2
            trial = render(plan.entries[:middle])
            if len(trial) <= cap:
                low, best, kept = middle + 1, trial, middle
            else:
                high = middle - 1
        data = best
    problems = validate_feed(data, source=path, publishing=True)
    return data, problems, len(plan.entries) - kept, [rid for rid in rids if rid not in articles]


def render_feeds(
    config: SiteConfig,
    categories: dict[str, Category],
    articles: Mapping[int, Article],
    feeds: list[PlannedFeed],
    *,
    load: Loader | None = None,
    gone: dict[int, IndexedEntry] | None = None,
    keep: frozenset[int] = frozenset(),
    taken: Callable[[dict[int, Article]], None] | None = None,
    paranoid: bool = False,
    staging: Staging | None = None,
    frames: Frames | None = None,
) -> Iterator[RenderedFeed]:
    """Render and validate ``feeds``, yielding each in order as it is done; into ``staging``
    (a folder), each valid document is written beside its path where it is made. ``frames``:
    the frame templates made so far (those made here are added), else a new set.

    The entries' articles are in ``articles``, or read by the processes rendering them with
    ``load`` (``articles`` then empty). A record changed since the read stage (not in
    ``articles``, or no longer what its entry says) is left out of the documents, which then
    get a digest no plan makes (the next build renders them again), and added to ``gone``.
    The articles of ``keep`` records the workers read are given to ``taken`` as each job of
    entries is back, without their bodies (for the pages for people: not read again).

    The documents go in windows, in order: a window's entries not rendered yet, then (after
    the next window's entries, so that the workers never wait for them) its documents, in
    jobs of a few. Entries go through a spool folder, a file per job of entries, removed once
    the last document showing one of them is out: what is held at once is about a window's
    entries, on disk, and a few documents.
    """
    specs = [(f.term, f.fmt, f.path, [e.rid for e in f.entries], f.links) for f in feeds]
    records = {e.rid: e for f in feeds for e in f.entries} if load is not None else {}
    at: dict[tuple[Format, int], tuple[int, int]] = {}  # (job of entries, index in it)
    entry_jobs: list[list[_EntryJob]] = []
    doc_jobs: list[list[list[_DocSpec]]] = []
    last_doc: dict[int, int] = {}  # spool file: the last document reading it
    spools = itertools.count()
    first = 0
    while first < len(specs):
        fresh: dict[int, list[Format]] = {}  # the window's new entries, by record
        end, count = first, 0
        while end < len(specs) and (end == first or count < WINDOW_ENTRIES):
            _, fmt, _, rids, _ = specs[end]
            for rid in rids:
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
        documents: list[_DocSpec] = []
        for number in range(first, end):
            term, fmt, path, rids, links = specs[number]
            where = [at[fmt, rid] for rid in rids]
            for spool, _ in where:
                last_doc[spool] = number
            name = staged_name() if staging is not None else ""
            documents.append((term, fmt, path, rids, links, where, name, feeds[number].body))
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
        "keep": keep,
        "spool": str(folder),
        "target": staging,
        "paranoid": paranoid,
        "frames": held,
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
                if result and taken is not None:
                    taken(result)
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
            for _, _, path, _, _, _, name, _ in untaken[handed:]:
                staging.unstage(path, name)


def _without(
    feed: PlannedFeed, lost: set[int], gone: dict[int, IndexedEntry] | None
) -> PlannedFeed:
    """``feed`` without the entries of ``lost`` records (added to ``gone``), under a digest
    no plan makes, so that the next build, which sees their change, renders it again."""
    if gone is not None:
        gone.update((e.rid, e) for e in feed.entries if e.rid in lost)
    entries = tuple(e for e in feed.entries if e.rid not in lost)
    return replace(feed, entries=entries, digest="stale", body="")
