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

Workers are forked after the articles are loaded, so they inherit them and only small specs
travel to them. Entries go through a spool folder (a file per job of entries: the workers
rendering documents read them there, so that no process holds a batch's entries), and each
document is put together where its frame is rendered. Into a folder the worker also writes it
beside its path (:class:`~feedpub.output.targets.base.Staging`) and sends back only its digest:
a cold build with archives at 100,000 records makes 3.7 GB of documents, none of which then
travels through this process, which only puts the files in place in order. What the workers
wrote and a build stopped early never took is removed once they are gone.
"""

from __future__ import annotations

import functools
import itertools
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from feedpub.digest import digest_bytes
from feedpub.errors import Problem, PublishError
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.assembly import Framing
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.output.publish import process_running, staged_name
from feedpub.parallel import ordered_map
from feedpub.pipeline.frames import Frames
from feedpub.pipeline.plan import PlannedFeed
from feedpub.records.ids import entry_id

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.meta import FeedMeta
    from feedpub.output.publish import Staged
    from feedpub.output.targets import PublishTarget, Stored
    from feedpub.output.targets.base import Staging

__all__ = [
    "ENTRIES_PER_JOB",
    "PARALLEL_MIN_ENTRIES",
    "PARALLEL_MIN_FEEDS",
    "WINDOW_ENTRIES",
    "RenderedFeed",
    "render_feeds",
    "stage_valid",
    "staging_for",
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
#: A job: some records' entries in one format (the job's number, format, rids), or a few
#: documents.
_Job = tuple[int, Format, list[int]] | list[_DocSpec]
#: A document rendered: its bytes (empty when written beside its path), what validation found,
#: the entries left out for ``max_bytes``, its framing, where it was written, its digest.
_Done = tuple[bytes, list[Problem], int, "Framing | None", "Staged | None", str]


@dataclass(frozen=True)
class RenderedFeed:
    """A planned feed rendered: its bytes and what validation found in them."""

    feed: PlannedFeed
    data: bytes
    problems: tuple[Problem, ...]
    #: The oldest entries left out to keep the document within ``max_bytes``.
    dropped: int = 0
    #: Where its entries are and what its frame took from them (``None``: not kept, so the
    #: next build that changes only its frame renders it whole).
    framing: Framing | None = None
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
    shared: dict[str, Any], job: tuple[Format, list[int]]
) -> tuple[list[bytes], list[int]]:
    """Render some records' entries in one format, and validate them in one document: their
    bytes, and the records whose entries drew a finding (each judged alone once the document
    did: all of them if none alone does)."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    fmt, rids = job
    spec = FORMATS[fmt]
    articles = [shared["articles"][rid] for rid in rids]
    entries, together = spec.render_entries(articles, config.feed, _ALONE)
    if not validate_feed(together, publishing=True):
        return entries, []
    flagged = [
        rid
        for rid, article in zip(rids, articles, strict=True)
        if validate_feed(spec.render_entries([article], config.feed, _ALONE)[1], publishing=True)
    ]
    return entries, flagged or rids


def _job(shared: dict[str, Any], job: _Job) -> Any:
    if isinstance(job, tuple):
        return _spool_entries(shared, job)
    frames: Frames = shared["frames"]
    return [_document(shared, spec) for spec in job], frames.made()


def _spool_entries(shared: dict[str, Any], job: tuple[int, Format, list[int]]) -> None:
    """Render and validate some records' entries in one format (:func:`_entry_job`) into the
    spool file named by the job's number: a header (the entries' lengths, the records whose
    entries drew a finding), then the entries' bytes. Put in place whole, or a mark that it
    failed, so that a document waiting for it never reads half of it."""
    number, fmt, rids = job
    spool = Path(shared["spool"])
    try:
        entries, flagged = _entry_job(shared, (fmt, rids))
        header = pickle.dumps(([len(e) for e in entries], flagged))
        temp = spool / f"{number}.part"
        temp.write_bytes(b"".join([len(header).to_bytes(8, "big"), header, *entries]))
        temp.replace(spool / str(number))
    except BaseException:
        (spool / f"{number}.failed").touch()
        raise


class _Spooled:
    """A spool file of entries, as a document's job reads it."""

    def __init__(self, path: Path) -> None:
        deadline = time.monotonic() + SPOOL_WAIT
        while not path.exists():  # its job, sent before this one, is still under way
            if path.with_suffix(".failed").exists() or time.monotonic() > deadline:
                raise RuntimeError(f"the entries of {path.name} were not rendered")
            time.sleep(0.001)
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        size = int.from_bytes(os.pread(self.fd, 8, 0), "big")
        lengths, flagged = pickle.loads(os.pread(self.fd, size, 8))
        self.flagged: set[int] = set(flagged)
        self.where: list[tuple[int, int]] = []
        offset = 8 + size
        for length in lengths:
            self.where.append((offset, length))
            offset += length

    def entry(self, index: int) -> bytes:
        offset, length = self.where[index]
        return os.pread(self.fd, length, offset)


#: The spool files a process has open, by path (at most :data:`OPEN_SPOOLS`, oldest closed).
_spooled: dict[Path, _Spooled] = {}
#: Spool files a process keeps open at once.
OPEN_SPOOLS = 64
#: How long a document's job waits for the entries it shows (rendered by a job sent before it).
SPOOL_WAIT = 600.0


def _spooled_file(path: Path) -> _Spooled:
    found = _spooled.get(path)
    if found is None:
        if len(_spooled) >= OPEN_SPOOLS:
            os.close(_spooled.pop(next(iter(_spooled))).fd)
        found = _spooled[path] = _Spooled(path)
    return found


def _close_spools() -> None:
    while _spooled:
        os.close(_spooled.popitem()[1].fd)


#: The start of a spool folder's name (in the system's temporary folder), then the PID of the
#: build whose it is.
SPOOL_PREFIX = "feedpub-entries-"


@functools.cache
def _warm(meta: FeedMeta) -> None:
    """Import the renderers and validators and load their schemas in this process, once, so
    that the workers every batch forks have them: a worker that loads them itself spends
    about 0.3 s on it (at 100,000 records, batches of 5,000 fork 40 of them)."""
    from feedpub.output.assembly import FrameFacts
    from feedpub.validate import validate_feed

    facts = FrameFacts(datetime(2000, 1, 1, tzinfo=UTC))
    for spec in FORMATS.values():
        validate_feed(spec.render_frame(None, facts, meta, _ALONE).empty)


def _spool_folder() -> Path:
    """A new spool folder for this build; those of builds that are gone (killed) are removed
    first."""
    try:
        base = tempfile.gettempdir()
    except FileNotFoundError as exc:  # no temporary folder is writable
        raise PublishError("TMPDIR", f"{exc} (set TMPDIR to a writable folder)") from None
    with suppress(OSError), os.scandir(base) as found:
        for entry in found:
            pid, dash, _ = entry.name.removeprefix(SPOOL_PREFIX).partition("-")
            ours = entry.name.startswith(SPOOL_PREFIX) and dash and pid.isdigit()
            if ours and not process_running(int(pid)) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=base))
    except OSError as exc:
        reason = f"cannot make a folder for the entries on their way to documents: {exc.strerror}"
        raise PublishError(base, f"{reason} (set TMPDIR to a writable folder)") from None


#: Entry ids by record, in a process rendering documents (cleared with the spools).
_ids: dict[int, str] = {}


def _document(shared: dict[str, Any], spec: _DocSpec) -> _Done:
    """One document: its frame rendered and validated on its own, around its entries' bytes
    from the spool; rendered and validated whole where that would leave a doubt (see the
    module docstring); written beside its path when it is valid and ``name`` is given."""
    from feedpub.output.render import frame_facts
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    term, fmt, path, rids, links, where, name, body = spec
    cap = config.syndication.max_bytes
    shown: list[bytes] = []
    whole = False
    for rid, (number, index) in zip(rids, where, strict=True):
        # Read at once: opening the next file may close this one (and reuse its descriptor).
        spooled = _spooled_file(Path(shared["spool"], str(number)))
        whole = whole or rid in spooled.flagged
        shown.append(spooled.entry(index))
    for rid in rids:
        if rid not in _ids:
            article: Article = shared["articles"][rid]
            _ids[rid] = entry_id(article.id, article.published, config.feed.domain)
    whole = whole or len({_ids[rid] for rid in rids}) < len(rids)
    framing = None
    dropped = 0
    if not whole:
        plan = _plan(shared, term, rids)
        facts = frame_facts(plan.entries)
        frames: Frames = shared["frames"]
        frame, problems = frames.frame(fmt, plan.category, facts, config.feed, links, path)
        over = cap is not None and not links.archive and frame.size(shown) > cap
        whole = bool(problems) or over
    if whole:
        data, problems, dropped = _render_whole(shared, (term, fmt, path, rids, links))
    else:
        data = frame.page(shown)
        problems = validate_feed(data, source=path, publishing=True) if shared["paranoid"] else []
        framing = Framing(body, len(frame.head) if shown else -1, facts) if body else None
    staged = stage_valid(shared["target"], path, data, name, problems)
    if staged is None:
        return data, problems, dropped, framing, None, ""
    return b"", problems, dropped, framing, staged, digest_bytes(data)


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


def _plan(shared: dict[str, Any], term: str | None, rids: list[int]) -> FeedPlan:
    categories: dict[str, Category] = shared["categories"]
    articles: dict[int, Article] = shared["articles"]
    return FeedPlan(categories.get(term or ""), tuple(articles[rid] for rid in rids))


def _render_whole(shared: dict[str, Any], spec: _Spec) -> tuple[bytes, list[Problem], int]:
    """Render and validate one document whole (see the module docstring for when)."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    term, fmt, path, rids, links = spec
    plan = _plan(shared, term, rids)

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
    return data, validate_feed(data, source=path, publishing=True), len(plan.entries) - kept


def render_feeds(
    config: SiteConfig,
    categories: dict[str, Category],
    articles: dict[int, Article],
    feeds: list[PlannedFeed],
    *,
    paranoid: bool = False,
    staging: Staging | None = None,
    frames: Frames | None = None,
) -> Iterator[RenderedFeed]:
    """Render and validate ``feeds``, yielding each in order as it is done; into ``staging``
    (a folder), each valid document is written beside its path where it is made. ``frames``:
    the frame templates made so far (those made here are added), else a new set.

    The documents go in windows, in order: a window's entries not rendered yet, then (after
    the next window's entries, so that the workers never wait for them) its documents, in
    jobs of a few. Entries go through a spool folder, a file per job of entries, removed once
    the last document showing one of them is out: what is held at once is about a window's
    entries, on disk, and a few documents.
    """
    specs = [(f.term, f.fmt, f.path, [e.rid for e in f.entries], f.links) for f in feeds]
    at: dict[tuple[Format, int], tuple[int, int]] = {}  # (job of entries, index in it)
    entry_jobs: list[list[tuple[int, Format, list[int]]]] = []
    doc_jobs: list[list[list[_DocSpec]]] = []
    last_doc: dict[int, int] = {}  # spool file: the last document reading it
    spools = itertools.count()
    first = 0
    while first < len(specs):
        fresh: dict[Format, list[int]] = {}
        end, count = first, 0
        while end < len(specs) and (end == first or count < WINDOW_ENTRIES):
            _, fmt, _, rids, _ = specs[end]
            for rid in rids:
                if (fmt, rid) not in at:
                    at[fmt, rid] = (-1, -1)
                    fresh.setdefault(fmt, []).append(rid)
                    count += 1
            end += 1
        window = []
        for fmt, rids in fresh.items():
            for i in range(0, len(rids), ENTRIES_PER_JOB):
                number = next(spools)
                part = rids[i : i + ENTRIES_PER_JOB]
                at.update(((fmt, rid), (number, n)) for n, rid in enumerate(part))
                window.append((number, fmt, part))
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
    if many:
        _warm(config.feed)
    folder = _spool_folder()
    held = frames if frames is not None else Frames()
    shared = {
        "config": config,
        "categories": categories,
        "articles": articles,
        "spool": str(folder),
        "target": staging,
        "paranoid": paranoid,
        "frames": held,
    }
    # Far ahead: a window's entries come before its documents, and the documents are taken
    # here in order; with a few jobs out, the workers waited while this process published a
    # window, and this process while they rendered the next one's entries.
    results = ordered_map(
        _job, jobs, shared, min_jobs=2 if many else len(jobs) + 1, ahead=AHEAD_JOBS
    )
    numbers = iter(range(len(specs)))  # documents come in their order
    handed = 0
    try:
        for job, result in zip(jobs, results, strict=True):
            if isinstance(job, tuple):
                continue
            done, made = result
            held.adopt(made)
            for data, problems, dropped, framing, staged, sha in done:
                number = next(numbers)
                yield RenderedFeed(
                    feeds[number], data, tuple(problems), dropped, framing, staged, sha
                )
                handed = number + 1  # asked for the next: this one was taken
                for spool in done_with.get(number, ()):
                    (folder / str(spool)).unlink(missing_ok=True)
    finally:
        if isinstance(results, Generator):  # its workers end with it
            results.close()
        _close_spools()
        _ids.clear()
        with suppress(OSError):  # what no document was left to read
            for name in os.listdir(folder):
                (folder / name).unlink(missing_ok=True)
            folder.rmdir()
        if staging is not None:  # what was written and never taken
            untaken = [d for documents in doc_jobs for group in documents for d in group]
            for _, _, path, _, _, _, name, _ in untaken[handed:]:
                staging.unstage(path, name)
