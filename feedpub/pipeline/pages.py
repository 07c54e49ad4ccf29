"""The pages for people beside the feeds (:mod:`feedpub.output.pages`): which exist now, which
must be rendered, and publishing them, after every feed they link to is up.

A page is planned like a feed, from the state alone: its digest stands for everything it
shows (its feed's entries and their record digests, its counts and newest date, the labels,
the settings, feedpub's version), so it is rendered again exactly when one of those changed,
or when its file is missing or was changed by something else. A feed page needs the bodies of
the entries it shows (for titles and summaries): when its feed is rendered too, from the
bodies that rendering reads (:class:`PagesAhead`), else read for it alone (by the render
workers, through the source's loader, where there is one: a new title renders every page and
reads the bodies of no feed); the directory reads none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from feedpub.digest import digest_bytes, digest_text
from feedpub.model import Article, Category
from feedpub.output.pages import FeedFacts, render_directory, render_feed_page
from feedpub.output.paths import DIRECTORY_PAGE, PAGE_CONTENT_TYPE, page_path
from feedpub.parallel import ordered_map
from feedpub.pipeline.plan import PlannedFeed
from feedpub.pipeline.report import FeedOutcome
from feedpub.state import BuildState, Footprint, IndexedEntry, PublishedFeed, StoredFacts

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.targets import PublishTarget
    from feedpub.records.parse import WantedRecord
    from feedpub.records.source import Loader, RecordSource

__all__ = [
    "PagesAhead",
    "PlannedPage",
    "for_pages",
    "plan_pages",
    "publish_pages",
    "remember_facts",
]

#: The most records whose bodies one batch of feed pages holds at once.
_BATCH_RECORDS = 20000
#: Records a job of reading them for the pages takes; fewer than two jobs' worth are read by
#: this process.
_READ_JOB = 500


@dataclass(frozen=True)
class PlannedPage:
    """One page that should exist now: the directory (``feed`` None, every feed in
    ``shown``), or the page behind one feed (its facts and newest ``entries``)."""

    path: str
    digest: str
    shown: tuple[FeedFacts, ...]
    entries: tuple[IndexedEntry, ...] = ()

    @property
    def feed(self) -> FeedFacts | None:
        """The feed this page is behind; ``None`` for the directory."""
        return self.shown[0] if self.path != DIRECTORY_PAGE else None


def plan_pages(
    state: BuildState,
    config: SiteConfig,
    feeds: list[PlannedFeed],
    categories: dict[str, Category],
    now: float | None,
    version: str,
    scope: Footprint | None = None,
) -> list[PlannedPage]:
    """Every page that should exist now (none when pages are off): the site feed's page,
    each category feed's (in the plan's order), then the directory. With a ``scope`` (the
    ``feeds`` are the site's and those categories' only), the pages behind those feeds and
    the directory, which shows the other feeds as the last build planned them."""
    if not config.pages.enabled:
        return []
    subscription: dict[str | None, PlannedFeed] = {}
    for feed in feeds:
        if feed.period is None:
            subscription.setdefault(feed.term, feed)
    # Known from the archive pages when every feed has them; else one count from the state.
    known = {term: feed.live for term, feed in subscription.items() if feed.live is not None}
    counts = (
        known
        if len(known) == len(subscription)
        else state.live_counts(now, None if scope is None else sorted(scope.terms))
    )
    common = (version, config.feeds_fingerprint, config.pages.fingerprint())
    facts = [
        FeedFacts(
            category=categories[term] if term is not None else None,
            entries=counts.get(term, 0),
            newest=feed.entries[0].published if feed.entries else None,
            archive=feed.links.prev_archive,
        )
        for term, feed in subscription.items()
    ]
    if scope is not None:  # the feeds a change left alone, as the last build planned them
        facts += [
            FeedFacts(categories[term], kept.entries, kept.newest, kept.archive)
            for term, kept in state.feed_facts().items()
            if term is not None and term not in scope.terms and term in categories
        ]
    # The directory lists categories by label (as people read them), the site feed first.
    facts[1:] = sorted(facts[1:], key=_by_label)
    pages = []
    for shown in facts:
        if shown.term not in subscription:
            continue
        entries = subscription[shown.term].entries
        digest = digest_text(
            *common, "feed page", shown.text(), *(f"{e.id}\x1e{e.digest}" for e in entries)
        )
        pages.append(PlannedPage(page_path(shown.term), digest, (shown,), entries))
    digest = digest_text(*common, "directory", *(shown.text() for shown in facts))
    pages.append(PlannedPage(DIRECTORY_PAGE, digest, tuple(facts)))
    return pages


def remember_facts(state: BuildState, pages: list[PlannedPage], scope: Footprint | None) -> None:
    """Store the facts of each feed with a planned page (all, or the site's and ``scope``'s),
    for the directory of a later build that plans fewer (see :func:`plan_pages`)."""
    facts = {
        shown.term: StoredFacts(shown.entries, shown.newest, shown.archive)
        for page in pages
        if (shown := page.feed) is not None
    }
    state.remember_facts(facts, None if scope is None else scope.terms)


def _by_label(facts: FeedFacts) -> tuple[str, str]:
    label = facts.category.label if facts.category is not None else ""
    return label.casefold(), facts.term or ""


def _batches(pages: list[PlannedPage]) -> Iterator[list[PlannedPage]]:
    """The pages in batches of at most about :data:`_BATCH_RECORDS` distinct records."""
    batch: list[PlannedPage] = []
    seen: set[int] = set()
    for page in pages:
        rids = {e.rid for e in page.entries}
        if batch and len(seen | rids) > _BATCH_RECORDS:
            yield batch
            batch, seen = [], set()
        batch.append(page)
        seen |= rids
    if batch:
        yield batch


class PagesAhead:
    """The pages a build renders, each feed page rendered as soon as the records it shows are
    at hand: those its feed's rendering reads (:meth:`take`), so that they are not read twice,
    and as they come (a page waiting for the end of its batch made the build's process render
    every page of a new limit after the workers were done: 268 pages, over a second). Only
    the bytes are kept (a page is small), and the articles of pages still waiting, without
    their bodies."""

    def __init__(self, config: SiteConfig, pages: list[PlannedPage]) -> None:
        """Ready to render ``pages`` (those the plan says must be rendered)."""
        self.config = config
        self.pages = pages
        self._waiting = {p.path: p for p in pages if p.feed is not None and p.entries}
        #: The waiting pages that show each record, until its article is taken; how many of
        #: its records each waiting page has not been given yet.
        self._wanting: dict[int, list[str]] = {}
        self._missing: dict[str, int] = {}
        for path, page in self._waiting.items():
            rids = dict.fromkeys(e.rid for e in page.entries)
            for rid in rids:
                self._wanting.setdefault(rid, []).append(path)
            self._missing[path] = len(rids)
        #: The articles taken for pages still waiting, and how many of those show each.
        self._held: dict[int, Article] = {}
        self._needed: dict[int, int] = {}
        #: The bytes of each page rendered ahead, by path.
        self.done: dict[str, bytes] = {}

    def wanted(self) -> frozenset[int]:
        """The records whose articles the waiting pages show (and were not taken yet)."""
        return frozenset(self._wanting)

    def take(self, articles: Mapping[int, Article]) -> None:
        """Hold those of ``articles`` a waiting page shows, and render every page all of whose
        records have been taken now."""
        ready: list[str] = []
        for rid, article in articles.items():
            paths = self._wanting.pop(rid, None)
            if paths is None:
                continue
            self._held[rid] = for_pages(article)
            self._needed[rid] = len(paths)
            for path in paths:
                self._missing[path] -= 1
                if not self._missing[path]:
                    ready.append(path)
        meta, formats = self.config.feed, self.config.syndication.formats
        for path in ready:
            page = self._waiting.pop(path)
            feed = page.feed
            assert feed is not None  # only feed pages wait
            shown = [self._held[e.rid] for e in page.entries]
            self.done[path] = render_feed_page(meta, formats, self.config.pages, feed, shown)
            for rid in dict.fromkeys(e.rid for e in page.entries):
                self._needed[rid] -= 1
                if not self._needed[rid]:
                    del self._needed[rid], self._held[rid]


def for_pages(article: Article) -> Article:
    """``article`` as a page for people shows it: without its HTML body, which it never shows
    (a page holds a feed's newest entries; their bodies are most of their size)."""
    return replace(article, content_html=None)


def _read(
    config: SiteConfig, source: RecordSource, workers: bool, wanted: list[WantedRecord]
) -> dict[int, Article]:
    """The articles of the ``wanted`` records (one gone or changed is left out). With
    ``workers`` and a loader, read by workers, a part each in path order (the records of one
    file together), and held here without their bodies."""
    load = source.loader(config.records) if workers else None
    if load is None:
        return source.load(config.records, wanted)
    wanted.sort(key=lambda record: record.path)
    jobs = [wanted[i : i + _READ_JOB] for i in range(0, len(wanted), _READ_JOB)]
    articles: dict[int, Article] = {}
    for part in ordered_map(_read_job, jobs, {"load": load}, min_jobs=2, fresh=True):
        articles.update(part)
    return articles


def _read_job(shared: dict[str, Any], wanted: list[WantedRecord]) -> dict[int, Article]:
    load: Loader = shared["load"]
    return {rid: for_pages(article) for rid, article in load(wanted).items()}


def _rendered(
    config: SiteConfig, source: RecordSource, ahead: PagesAhead, workers: bool
) -> Iterator[tuple[PlannedPage, bytes]]:
    """Each page with its bytes (rendered ahead, or now: its records read by workers when
    ``workers``); a page one of whose records changed while this build read it shows the rest,
    under a digest no plan makes (the next build renders it again)."""
    meta, formats = config.feed, config.syndication.formats
    later = []
    for page in ahead.pages:
        if page.path in ahead.done:
            yield page, ahead.done[page.path]
        else:
            later.append(page)
    for batch in _batches(later):
        wanted = {e.rid: e for page in batch for e in page.entries}
        articles: dict[int, Article] = {}
        if wanted:  # the directory alone shows no record
            articles = _read(config, source, workers, [e.wanted() for e in wanted.values()])
        for page in batch:
            feed = page.feed
            if feed is None:
                yield page, render_directory(meta, formats, config.pages, page.shown)
                continue
            shown = [articles[e.rid] for e in page.entries if e.rid in articles]
            if len(shown) < len(page.entries):
                page = replace(page, digest="stale")
            yield page, render_feed_page(meta, formats, config.pages, feed, shown)


def publish_pages(
    state: BuildState,
    target: PublishTarget,
    source: RecordSource,
    config: SiteConfig,
    pages: PagesAhead,
    outcomes: dict[str, FeedOutcome],
    dry_run: bool,
    *,
    workers: bool = True,
) -> dict[str, FeedOutcome]:
    """Render ``pages`` (those not rendered ahead) and write each whose bytes changed, feed
    pages first and the directory last; return their outcomes (from ``outcomes``, the plan's),
    and remember in the state what was written. ``workers``: the records those pages show are
    read by workers where the source has a loader (not by a watcher that keeps bodies)."""
    done: dict[str, FeedOutcome] = {}
    for page, data in _rendered(config, source, pages, workers):
        outcome = outcomes[page.path]
        if dry_run:
            unchanged = target.holds(page.path, data, PAGE_CONTENT_TYPE)
            done[page.path] = replace(outcome, action="unchanged" if unchanged else "written")
            continue
        written, stat = target.write_if_changed(page.path, data, PAGE_CONTENT_TYPE)
        state.record_feed(
            page.path, PublishedFeed(page.digest, stat.size, stat.stamp, digest_bytes(data), ())
        )
        done[page.path] = replace(outcome, action="written" if written else "unchanged")
    return done
