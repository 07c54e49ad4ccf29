"""The pages for people beside the feeds (:mod:`feedpub.output.pages`): which exist now, which
must be rendered, and publishing them, after every feed they link to is up.

A page is planned like a feed, from the state alone: its digest stands for everything it
shows (its feed's entries and their record digests, its counts and newest date, the labels,
the settings, feedpub's version), so it is rendered again exactly when one of those changed,
or when its file is missing or was changed by something else. It is rendered from the state
too: of each entry a feed page shows its title, link and date, which the read stage stores with
the record, and its summary, which may come from the body (the read stage converts none): a
build that reads the record learns it, and the state keeps it (:meth:`BuildState.shown`). The
render workers hand back the summaries the pages want of the records they read; a record no
render reads is read once, by workers, for the first page that shows it. Before, every page
whose feed was not rendered (a new title renders every page, a new limit cuts its feeds'
entries from their published bytes) read all of its entries' records again.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
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
    "plan_pages",
    "publish_pages",
    "remember_facts",
    "summaries_of",
]

#: The most records read at once for their summaries (a batch's summaries are kept in the
#: state before the next is read).
_BATCH_RECORDS = 20000
#: Records a job of reading them for their summaries takes; fewer than two jobs' worth are
#: read by this process.
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


class PagesAhead:
    """The pages a build renders, feed pages from what the state keeps of their entries, each
    rendered while the render workers are busy (:meth:`step`, between two documents), or when
    published. Only the bytes are kept (a page is small)."""

    def __init__(
        self,
        config: SiteConfig,
        state: BuildState,
        source: RecordSource,
        pages: list[PlannedPage],
        *,
        workers: bool = True,
        dry_run: bool = False,
    ) -> None:
        """Ready to render ``pages`` (those the plan says must be rendered); the summaries the
        state does not know are read from ``source`` (by workers, with ``workers``) and kept
        in the state (not in a ``dry_run``: then here)."""
        self.config = config
        self.state = state
        self.source = source
        self.pages = pages
        self.workers = workers
        self.dry_run = dry_run
        self._waiting = [p for p in reversed(pages) if p.feed is not None]
        self._entries = {e.rid: e for page in pages for e in page.entries}
        #: The records the pages show whose summaries the state does not know yet: those the
        #: render stage reads tell them (:meth:`learn`), the rest are read for the first page.
        self.unknown = set(state.unknown_summaries(self._entries))
        self._learned: dict[int, str] = {}  # a dry run's, which the state does not keep
        self._read = False
        #: Each page rendered, by path, with the digest it is published under.
        self.done: dict[str, tuple[PlannedPage, bytes]] = {}

    def step(self) -> None:
        """Render the next feed page not rendered yet whose entries' summaries are known, if
        any (one that waits for a summary the render stage may yet learn is left for
        :meth:`rendered`)."""
        while self._waiting:
            page = self._waiting.pop()
            if not any(e.rid in self.unknown for e in page.entries):
                self.done[page.path] = self._render(page)
                return

    def rendered(self) -> Iterator[tuple[PlannedPage, bytes]]:
        """Each page in order with its bytes, the summaries still unknown read first (a feed
        page one of whose entries the state does not know, or whose summary could not be read,
        its record changed since the read stage, shows what is known, under a digest no plan
        makes: the next build renders it again)."""
        for page in self.pages:
            found = self.done.pop(page.path, None)
            yield found if found is not None else self._render(page)

    def _render(self, page: PlannedPage) -> tuple[PlannedPage, bytes]:
        config = self.config
        meta, formats, settings = config.feed, config.syndication.formats, config.pages
        feed = page.feed
        if feed is None:
            return page, render_directory(meta, formats, settings, page.shown)
        waits = any(e.rid in self.unknown for e in page.entries)
        learned = self._learn() if waits else self._learned
        known = self.state.shown([e.rid for e in page.entries])
        shown = []
        for entry in page.entries:
            found = known.get(entry.rid)
            if found is not None and found.summary is None and entry.rid in learned:
                found = found._replace(summary=learned[entry.rid])
            if found is not None and found.summary is not None:
                shown.append(found)
        if len(shown) < len(page.entries):
            page = replace(page, digest="stale")
        return page, render_feed_page(meta, formats, settings, feed, shown)

    def learn(self, summaries: Mapping[int, str]) -> None:
        """Keep the summaries of records read since the read stage (``""``: none)."""
        found = {rid: summary for rid, summary in summaries.items() if rid in self.unknown}
        self.unknown.difference_update(found)
        if self.dry_run:
            self._learned.update(found)
        elif found:
            self.state.learn_summaries(found)

    def _learn(self) -> dict[int, str]:
        """Once, before the first page that waits for one: read the records whose summaries
        are still unknown (each once: known to every later build), a batch at a time. What a
        dry run learned."""
        if not self._read:
            self._read = True
            unknown = sorted(self.unknown)
            for first in range(0, len(unknown), _BATCH_RECORDS):
                part = unknown[first : first + _BATCH_RECORDS]
                wanted = [self._entries[rid].wanted() for rid in part]
                self.learn(_summaries(self.config, self.source, self.workers, wanted))
        return self._learned


def _summaries(
    config: SiteConfig, source: RecordSource, workers: bool, wanted: list[WantedRecord]
) -> dict[int, str]:
    """The summaries of the ``wanted`` records (``""``: none; one gone or changed is left
    out). With ``workers`` and a loader, read by workers, a part each in path order (the
    records of one file together)."""
    load = source.loader(config.records) if workers else None
    if load is None:
        return summaries_of(source.load(config.records, wanted))
    wanted.sort(key=lambda record: record.path)
    jobs = [wanted[i : i + _READ_JOB] for i in range(0, len(wanted), _READ_JOB)]
    found: dict[int, str] = {}
    for part in ordered_map(_summaries_job, jobs, {"load": load}, min_jobs=2, fresh=True):
        found.update(part)
    return found


def _summaries_job(shared: dict[str, Any], wanted: list[WantedRecord]) -> dict[int, str]:
    load: Loader = shared["load"]
    return summaries_of(load(wanted))


def summaries_of(
    articles: Mapping[int, Article], wanted: Container[int] | None = None
) -> dict[int, str]:
    """The summary each of ``articles`` shows on a page (``""``: none), as the state keeps it,
    by rid; only the ``wanted`` rids' when given."""
    return {
        rid: article.summary or ""
        for rid, article in articles.items()
        if wanted is None or rid in wanted
    }


def publish_pages(
    state: BuildState,
    target: PublishTarget,
    pages: PagesAhead,
    outcomes: dict[str, FeedOutcome],
    dry_run: bool,
) -> dict[str, FeedOutcome]:
    """Render ``pages`` (those not rendered ahead) and write each whose bytes changed, feed
    pages first and the directory last; return their outcomes (from ``outcomes``, the plan's),
    and remember in the state what was written."""
    done: dict[str, FeedOutcome] = {}
    for page, data in pages.rendered():
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
