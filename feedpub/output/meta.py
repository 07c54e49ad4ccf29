"""The feeds' own settings: what every document says about the site, and what is published.

Two small frozen values, each owned here and assembled by :mod:`feedpub.config`:
:class:`FeedMeta` (the head of every document) and :class:`Syndication` (formats, entries per
feed, archives, the size cap, WebSub hubs). Together they are everything that shapes a
document besides its entries, so a published document is stale exactly when
:func:`render_fingerprint` (or its entries) changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from feedpub.digest import digest_value
from feedpub.model import Author, Format

__all__ = ["FeedMeta", "Syndication", "render_fingerprint"]


@dataclass(frozen=True)
class FeedMeta:
    """What every document says about the site."""

    title: str
    description: str
    #: The site's base URL (absolute, ending in ``/``).
    link: str
    #: Where the output folder is served, for self links (absolute, ending in ``/``).
    feeds_url: str
    language: str | None = None
    #: The feeds' author; ``None``: the site itself (its title and link).
    author: Author | None = None

    @property
    def domain(self) -> str:
        """The site's host name, used in tag URIs."""
        return urlsplit(self.link).hostname or ""


@dataclass(frozen=True)
class Syndication:
    """What is published for each feed: formats, how many entries, archives, hubs."""

    #: The formats every feed is published in, in this order.
    formats: tuple[Format, ...] = ("rss", "atom", "json")
    #: Entries per subscription document.
    limit: int = 50
    #: The calendar period of an RFC 5005 archive page (``year`` ... ``day``), or ``None``: off.
    archive: str | None = "month"
    #: Whether category feeds are archived too, or only the site feed.
    archive_categories: bool = True
    #: The largest a subscription document may be; ``None``: no cap.
    max_bytes: int | None = None
    #: WebSub hubs named in every subscription document and told of its changes.
    hubs: tuple[str, ...] = ()


def render_fingerprint(meta: FeedMeta, syndication: Syndication) -> str:
    """A digest of everything that shapes a document besides its entries."""
    return digest_value((meta, syndication))
