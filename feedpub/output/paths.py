"""Where each feed is published under the output folder (and under ``feeds_url``)."""

from __future__ import annotations

from feedpub.model import Format

__all__ = ["FEED_FILES", "feed_path"]

#: The file each format is published as, in the feed's folder: the paths aggregators know.
FEED_FILES: dict[Format, str] = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}


def feed_path(term: str | None, fmt: Format) -> str:
    """``rss.xml`` for the main feed, ``category/<term>/rss.xml`` for a category's."""
    return FEED_FILES[fmt] if term is None else f"category/{term}/{FEED_FILES[fmt]}"
