"""A planned feed: the main feed or one category's, with the entries it shows, in order.

The index (``feedpub.index``) chooses the entries: the newest ``limit`` live
ones, newest ``date_published`` first, ties broken by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from feedpub.article import Article, Category

__all__ = ["EPOCH", "FEED_FILES", "FeedPlan", "Format", "feed_path"]

Format = Literal["rss", "atom"]
#: The file each format is published as, in the feed's folder: the paths aggregators know.
FEED_FILES: dict[Format, str] = {"rss": "rss.xml", "atom": "atom.xml"}


def feed_path(term: str | None, fmt: Format) -> str:
    """Where a feed is published under the output folder (and under ``feeds_url``):
    ``rss.xml`` for the main feed, ``category/<term>/rss.xml`` for a category's."""
    return FEED_FILES[fmt] if term is None else f"category/{term}/{FEED_FILES[fmt]}"


#: ``updated`` of a feed with no entry yet: fixed, so an empty site still rebuilds byte-identical.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedPlan:
    """One pair of output feeds (RSS and Atom): the main one, or one category's."""

    category: Category | None
    entries: tuple[Article, ...]

    @property
    def term(self) -> str | None:
        """The category term, or ``None`` for the main feed."""
        return self.category.term if self.category else None

    @property
    def updated(self) -> datetime:
        """The newest instant any entry changed (never the wall clock)."""
        if not self.entries:
            return EPOCH
        return max((entry.updated for entry in self.entries), key=lambda d: d.timestamp())
