"""Rendering and validating the planned feeds, in order, in worker processes when there are many.

Workers are forked after the articles are loaded, so they inherit them and
only small specs travel to them; each feed comes back as bytes and findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feedpub.errors import Problem
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.parallel import ordered_map
from feedpub.pipeline.plan import PlannedFeed

if TYPE_CHECKING:
    from feedpub.config import SiteConfig

__all__ = ["PARALLEL_MIN_FEEDS", "RenderedFeed", "render_feeds"]

#: Below this many feeds to render, worker processes cost more than they save...
PARALLEL_MIN_FEEDS = 48
#: ... unless they show this many entries in all (a story under ``feedpub watch`` re-renders
#: its month's archive pages, hundreds to thousands of entries each): then each feed is a job.
PARALLEL_MIN_ENTRIES = 1500
_GROUP = 8  # feeds per job

#: A feed to render, as sent to a worker: (term, format, path, rids of its entries, links).
_Spec = tuple[str | None, Format, str, list[int], FeedLinks]


@dataclass(frozen=True)
class RenderedFeed:
    """A planned feed rendered: its bytes and what validation found in them."""

    feed: PlannedFeed
    data: bytes
    problems: tuple[Problem, ...]
    #: The oldest entries left out to keep the document within ``max_bytes``.
    dropped: int = 0

    @property
    def valid(self) -> bool:
        """True when validation found no error (warnings allowed)."""
        return not any(p.level == "error" for p in self.problems)


def _render_group(
    shared: dict[str, Any], specs: list[_Spec]
) -> list[tuple[bytes, list[Problem], int]]:
    """Render and validate a few feeds (one job) from the articles loaded before the fork."""
    # feedgen, lxml and the schemas load only when a feed is rendered, not on a no-change run
    # (the format table imports each renderer when it is first called).
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    categories: dict[str, Category] = shared["categories"]
    articles: dict[int, Article] = shared["articles"]

    def render(
        term: str | None, fmt: Format, entries: tuple[Article, ...], links: FeedLinks
    ) -> bytes:
        return FORMATS[fmt].render(
            FeedPlan(categories.get(term or ""), entries), config.feed, links
        )

    results = []
    for term, fmt, path, rids, links in specs:
        entries = tuple(articles[rid] for rid in rids)
        data = render(term, fmt, entries, links)
        kept = len(entries)
        cap = config.syndication.max_bytes
        if cap is not None and len(data) > cap and not links.archive:
            # Keep the most of the newest entries that fit: found by halving, since the size
            # grows with each entry kept (archive pages, which nothing replaces, keep them all).
            low, high, best, kept = 0, kept - 1, render(term, fmt, (), links), 0
            while low <= high:
                middle = (low + high) // 2
                trial = render(term, fmt, entries[:middle], links)
                if len(trial) <= cap:
                    low, best, kept = middle + 1, trial, middle
                else:
                    high = middle - 1
            data = best
        results.append(
            (data, validate_feed(data, source=path, publishing=True), len(entries) - kept)
        )
    return results


def render_feeds(
    config: SiteConfig,
    categories: dict[str, Category],
    articles: dict[int, Article],
    feeds: list[PlannedFeed],
) -> Iterator[RenderedFeed]:
    """Render and validate ``feeds``, yielding each in order as it is done."""
    specs: list[_Spec] = [
        (f.term, f.fmt, f.path, [e.rid for e in f.entries], f.links) for f in feeds
    ]
    few = len(specs) < PARALLEL_MIN_FEEDS
    large = sum(len(spec[3]) for spec in specs) >= PARALLEL_MIN_ENTRIES
    size = 1 if few and large else _GROUP
    groups = [specs[i : i + size] for i in range(0, len(specs), size)]
    shared = {"config": config, "categories": categories, "articles": articles}
    done = 0
    for results in ordered_map(
        _render_group, groups, shared, min_jobs=2 if large else -(-PARALLEL_MIN_FEEDS // _GROUP)
    ):
        for data, problems, dropped in results:
            yield RenderedFeed(feeds[done], data, tuple(problems), dropped)
            done += 1
