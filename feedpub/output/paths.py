"""Where each feed is published under the output folder (and under ``feeds_url``), and as what."""

from __future__ import annotations

from feedpub.model import Format

__all__ = ["CONTENT_TYPES", "FEED_FILES", "feed_path", "is_feed_path"]

#: The file each format is published as, in the feed's folder: the paths aggregators know.
FEED_FILES: dict[Format, str] = {"rss": "rss.xml", "atom": "atom.xml"}

#: The media type each format is served as, where the target keeps one (object storage).
CONTENT_TYPES: dict[Format, str] = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


def feed_path(term: str | None, fmt: Format) -> str:
    """``rss.xml`` for the main feed, ``category/<term>/rss.xml`` for a category's."""
    return FEED_FILES[fmt] if term is None else f"category/{term}/{FEED_FILES[fmt]}"


def is_feed_path(path: str) -> bool:
    """True for a path a feed can have: ``rss.xml``, ``category/<term>/atom.xml``, ..."""
    parts = path.split("/")
    if parts[-1] not in FEED_FILES.values():
        return False
    return len(parts) == 1 or (
        len(parts) == 3 and parts[0] == "category" and parts[1] not in ("", ".", "..")
    )
