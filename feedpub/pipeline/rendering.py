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
travel to them; entries and frames come back as bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feedpub.digest import digest_bytes
from feedpub.errors import Problem
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.assembly import Framing
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.parallel import ordered_map
from feedpub.pipeline.plan import PlannedFeed
from feedpub.records.ids import entry_id

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.assembly import Frame, FrameFacts
    from feedpub.output.publish import Staged
    from feedpub.output.targets import PublishTarget, Stored

__all__ = [
    "ENTRIES_PER_JOB",
    "PARALLEL_MIN_ENTRIES",
    "PARALLEL_MIN_FEEDS",
    "WINDOW_ENTRIES",
    "RenderedFeed",
    "render_feeds",
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

#: A document to render, as sent to a worker: (term, format, path, rids of its entries, links).
_Spec = tuple[str | None, Format, str, list[int], FeedLinks]
#: A job: some records' entries in one format, or a few documents' frames.
_Job = tuple[Format, list[int]] | list[_Spec]


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
        from feedpub.output.targets.base import Staging

        assert isinstance(target, Staging), "staged by a worker for a target that stages"
        return True, target.adopt(self.feed.path, self.staged), self.sha


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
        return _entry_job(shared, job)
    return _frame_job(shared, job)


def _frame_job(
    shared: dict[str, Any], specs: list[_Spec]
) -> list[tuple[Frame, FrameFacts, list[Problem]]]:
    """Render a few documents' frames, each validated as the document without entries."""
    from feedpub.output.render import frame_facts
    from feedpub.validate import validate_feed

    results = []
    for term, fmt, path, rids, links in specs:
        plan = _plan(shared, term, rids)
        facts = frame_facts(plan.entries)
        frame = FORMATS[fmt].render_frame(plan.category, facts, shared["config"].feed, links)
        results.append((frame, facts, validate_feed(frame.empty, source=path, publishing=True)))
    return results


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
) -> Iterator[RenderedFeed]:
    """Render and validate ``feeds``, yielding each in order as it is done.

    The documents go in windows, in order: a window's entries not rendered yet, then its
    frames, then its documents assembled here while the workers go on with the next window.
    An entry's bytes are dropped once the last document showing it is out, so that what is
    held at once is about a window's entries (and those of the subscription documents, last),
    not the whole batch's.
    """
    from feedpub.validate import validate_feed

    shared = {"config": config, "categories": categories, "articles": articles}
    specs: list[_Spec] = [
        (f.term, f.fmt, f.path, [e.rid for e in f.entries], f.links) for f in feeds
    ]
    last_use = {(spec[1], rid): number for number, spec in enumerate(specs) for rid in spec[3]}
    jobs: list[_Job] = []
    first = 0
    rendered: set[tuple[Format, int]] = set()
    while first < len(specs):
        fresh: dict[Format, list[int]] = {}
        end, count = first, 0
        while end < len(specs) and (end == first or count < WINDOW_ENTRIES):
            _, fmt, _, rids, _ = specs[end]
            for rid in rids:
                if (fmt, rid) not in rendered:
                    rendered.add((fmt, rid))
                    fresh.setdefault(fmt, []).append(rid)
                    count += 1
            end += 1
        jobs += [
            (fmt, rids[i : i + ENTRIES_PER_JOB])
            for fmt, rids in fresh.items()
            for i in range(0, len(rids), ENTRIES_PER_JOB)
        ]
        jobs += [specs[i : min(i + _GROUP, end)] for i in range(first, end, _GROUP)]
        first = end
    many = len(rendered) >= PARALLEL_MIN_ENTRIES or len(specs) >= PARALLEL_MIN_FEEDS
    # Far ahead: a window's entries come before its frames, and the documents are put
    # together here in order; with a few jobs out, the workers waited while this process
    # published a window, and this process while they rendered the next one's entries.
    results = ordered_map(
        _job, jobs, shared, min_jobs=2 if many else len(jobs) + 1, ahead=AHEAD_JOBS
    )
    entries: dict[tuple[Format, int], bytes] = {}
    flagged: set[tuple[Format, int]] = set()
    ids: dict[int, str] = {}
    cap = config.syndication.max_bytes
    numbers = iter(range(len(specs)))  # frame jobs come in the documents' order
    for job, result in zip(jobs, results, strict=True):
        if isinstance(job, tuple):  # a job of entries: (format, rids)
            fmt, rids = job
            done, bad = result
            entries.update(zip(((fmt, rid) for rid in rids), done, strict=True))
            flagged.update((fmt, rid) for rid in bad)
            continue
        for frame, facts, problems in result:
            number = next(numbers)
            spec = specs[number]
            _, fmt, path, rids, links = spec
            shown = [entries[fmt, rid] for rid in rids]
            for rid in rids:
                if rid not in ids:
                    article = articles[rid]
                    ids[rid] = entry_id(article.id, article.published, config.feed.domain)
            whole = (
                bool(problems)
                or any((fmt, rid) in flagged for rid in rids)
                or len({ids[rid] for rid in rids}) < len(rids)
                or (cap is not None and not links.archive and frame.size(shown) > cap)
            )
            for rid in rids:
                if last_use[fmt, rid] == number:
                    del entries[fmt, rid]
            if whole:
                data, problems, dropped = _render_whole(shared, spec)
                yield RenderedFeed(feeds[number], data, tuple(problems), dropped)
                continue
            data = frame.page(shown)
            checked = validate_feed(data, source=path, publishing=True) if paranoid else []
            body = feeds[number].body
            framing = Framing(body, len(frame.head) if shown else -1, facts) if body else None
            yield RenderedFeed(feeds[number], data, tuple(checked), framing=framing)
