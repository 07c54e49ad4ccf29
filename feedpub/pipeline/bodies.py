"""Reading the bodies the feeds to render show, in batches, and rendering them.

A cold build of a large site with archives renders pages showing every record: the bodies are
read a batch at a time (each record once per batch), so that no build holds them all.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING

from feedpub.errors import RecordWarning
from feedpub.model import Article, Category
from feedpub.pipeline.documents import with_canonical_categories
from feedpub.pipeline.frames import Frames
from feedpub.pipeline.memo import BodyMemo
from feedpub.pipeline.pages import PagesAhead, summaries_of
from feedpub.pipeline.plan import PageEntries, PlannedFeed
from feedpub.pipeline.rendering import RenderedFeed, render_feeds
from feedpub.records.source import RecordSource
from feedpub.state import IndexedEntry

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.targets.base import Staging
    from feedpub.pipeline.cutting import Cuts

__all__ = ["BATCH_RECORDS", "publish_order", "render_in_batches"]


#: The most records whose bodies one rendering batch holds: archive pages show every record,
#: and a cold build of a large site must not hold every body at once. A batch costs a pool of
#: workers (which start with the renderers, the schemas and the frame templates this process
#: has): at 100,000 records, batches of 5,000 took as long as batches of 20,000 (94.5 and
#: 96.9 s) and peaked at 288 MB, not 473 MB.
BATCH_RECORDS = 5000
#: A period's archive pages (the site's and its categories', which show the same records) are
#: not split over batches until they show this many batches' worth of records (a month at
#: 1,000,000 benchmark records holds ~8,300).
PERIOD_BATCHES = 4


def publish_order(feed: PlannedFeed) -> tuple[bool, str, bool]:
    """Where ``feed`` comes in the order documents are published (see :func:`_batches`)."""
    return feed.period is None, feed.period or "", feed.term is None


def _batches(
    feeds: list[PlannedFeed], entries: PageEntries | None, *, loaded_apart: bool = False
) -> Iterator[list[PlannedFeed]]:
    """The feeds in batches of about :data:`BATCH_RECORDS` distinct records (a period's pages
    together, up to :data:`PERIOD_BATCHES` times as many; with ``loaded_apart``, where this
    process holds no body, the subscription documents too: their entries are in the plan
    already, a limit's worth each, and each batch costs a pool of workers), in the
    order they are published: archive pages by period (one period's pages, the site's and its
    categories', show the same records), then category feeds, then the site's. So whenever a
    document is up, what it links to and the entries it shows already are (object storage).
    An archive page's ``entries`` are read as its batch is made up, and a batch holds none
    of the entries of the batches before."""
    ordered = sorted(feeds, key=publish_order)
    batch: list[PlannedFeed] = []
    seen: set[int] = set()
    period: str | None = None
    for feed in ordered:
        feed = entries.fill(feed) if entries is not None else feed
        rids = {e.rid for e in feed.entries}
        size = len(seen) + len(rids - seen)
        # A period's pages stay together up to PERIOD_BATCHES batches' worth of records:
        # split, each batch that shows them reads their bodies again.
        parted = feed.period is None or feed.period != period
        together = loaded_apart and feed.period is None and period is None
        together = together and size <= PERIOD_BATCHES * BATCH_RECORDS
        if (
            batch
            and not together
            and size > BATCH_RECORDS
            and (parted or size > PERIOD_BATCHES * BATCH_RECORDS)
        ):
            yield batch
            batch, seen = [], set()
            if entries is not None:
                entries.forget()
                feed = entries.fill(feed)  # read again into this batch's own
        batch.append(feed)
        seen |= rids
        period = feed.period
    if batch:
        yield batch


def render_in_batches(
    source: RecordSource,
    config: SiteConfig,
    categories: dict[str, Category],
    feeds: list[PlannedFeed],
    body_warnings: list[RecordWarning],
    pages: PagesAhead,
    memo: BodyMemo | None = None,
    *,
    entries: PageEntries | None = None,
    paranoid: bool = False,
    staging: Staging | None = None,
    cuts: Cuts | None = None,
) -> Generator[RenderedFeed, None, None]:
    """Render and validate ``feeds``, reading the bodies of one batch at a time (those the
    ``memo`` keeps are not read again); what the reading warns of is added to
    ``body_warnings``; the summaries the ``pages`` for people want of the records read are
    given to them (the read stage, which converts no body, stores none).
    ``entries``: where the archive pages' entries are read, a batch at a time (else they
    are in the plan already).
    ``paranoid``: validate every assembled document whole too. ``staging``: where the
    documents are written by the processes that make them (:func:`render_feeds`). ``cuts``:
    the subscription documents that take some entries from their published bytes, where the
    workers read the bodies (:mod:`feedpub.pipeline.cutting`)."""
    frames = Frames()  # the frames' templates, made once for every batch
    # The workers read the bodies they show, unless this process keeps some (a watcher's).
    load = source.loader(config.records) if memo is None else None
    gone: dict[int, IndexedEntry] = {}
    for batch in _batches(feeds, entries, loaded_apart=load is not None):
        articles: dict[int, Article] = {}
        if load is None:
            articles = _load_bodies(source, config, categories, batch, memo)
            wanted = pages.unknown  # most builds' pages want none: no map of every article
            pages.learn(summaries_of(articles, wanted))
        yield from render_feeds(
            config,
            categories,
            articles,
            batch,
            load=load,
            gone=gone,
            summaries=pages.unknown,
            learn=pages.learn,
            paranoid=paranoid,
            staging=staging,
            frames=frames,
            cuts=cuts,
        )
    shown = source.shown
    body_warnings.extend(
        RecordWarning(
            "changed while this build read it; it is published by the next build",
            path=shown(entry.path),
            record=entry.id,
        )
        for entry in gone.values()
    )


def _load_bodies(
    source: RecordSource,
    config: SiteConfig,
    categories: dict[str, Category],
    feeds: list[PlannedFeed],
    memo: BodyMemo | None = None,
) -> dict[int, Article]:
    """The full articles the feeds to render show, each read once, categories as shown;
    those the ``memo`` keeps (same record, same digest) are not read again, those read are
    kept there. A record file changed between the first read and this one (an editor saving
    during the build) is left out: :func:`render_feeds` leaves out its entries."""
    wanted = {e.rid: e for f in feeds for e in f.entries}
    kept: dict[int, Article] = {}
    unread: Iterable[IndexedEntry] = wanted.values()
    if memo is not None:
        kept, unread = memo.recall(config.records, unread)
    wanting = (e.wanted() for e in unread)
    loaded = source.load(config.records, wanting)
    if memo is not None:
        memo.keep(config.records, wanted, loaded)
    loaded.update(kept)
    return {rid: with_canonical_categories(a, categories) for rid, a in loaded.items()}
