"""The feeds' own settings: what every document says about the site, and what is published.

Two small frozen values, each owned here and assembled by :mod:`feedpub.config`:
:class:`FeedMeta` (the head of every document) and :class:`Syndication` (formats, entries per
feed, archives, the size cap, WebSub hubs). Together they are everything that shapes a
document besides its entries (:func:`render_fingerprint`: the state keeps it, and a build
after another one plans every feed); each document's digest takes only the part that reaches
it directly (:func:`document_fingerprint`), the rest through its entries and its links, so
that a new ``limit`` or hub makes just the documents it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from feedpub.digest import digest_value
from feedpub.model import Author, Format
from feedpub.output.formats import FORMATS
from feedpub.records.periods import ARCHIVE_PERIODS
from feedpub.records.urls import is_http_url

__all__ = [
    "Announcing",
    "FeedMeta",
    "SettingProblem",
    "Syndication",
    "check_announcing",
    "check_syndication",
    "document_fingerprint",
    "render_fingerprint",
]


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


@dataclass(frozen=True)
class Announcing:
    """How long telling the WebSub hubs may take, and when a hub owed too long is loud. Not
    part of any document (so not of :func:`render_fingerprint`)."""

    #: Seconds one run spends on all hubs together: every request, retry and pause inside.
    total: float = 30.0
    #: Seconds a hub may be owed announcements before each run that pings warns of it, even
    #: under ``-q``.
    warn_after: float = 3600.0


#: The most one run may spend on the hubs: a cron job's interval, not a day.
MAX_HUB_TIMEOUT = 3600.0


def check_announcing(*, hub_timeout: float, hub_warn_after: float) -> Announcing:
    """The announcing settings these values give, checked (:class:`SettingProblem`)."""
    if not 0 < hub_timeout <= MAX_HUB_TIMEOUT:
        raise SettingProblem(
            f"must be more than 0 and at most {MAX_HUB_TIMEOUT:g} seconds, not {hub_timeout!r}",
            "hub_timeout",
        )
    if hub_warn_after < 0:
        raise SettingProblem(f"must be 0 or more seconds, not {hub_warn_after!r}", "hub_warn_after")
    return Announcing(total=float(hub_timeout), warn_after=float(hub_warn_after))


class SettingProblem(ValueError):
    """A value a part cannot take: ``key`` names it; the config says which layer gave it."""

    def __init__(self, reason: str, key: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


def check_syndication(
    *,
    formats: list[str],
    hubs: list[str],
    archive: str,
    limit: int,
    archive_categories: bool,
    max_bytes: int | None,
) -> Syndication:
    """The syndication settings these values give, checked (:class:`SettingProblem`)."""
    known = tuple(FORMATS)
    if not formats:
        raise SettingProblem(f"needs at least one format (of {', '.join(known)})", "formats")
    for value in formats:
        if value not in known:
            raise SettingProblem(f"unknown format {value!r} (known: {', '.join(known)})", "formats")
    for hub in hubs:
        if not is_http_url(hub):
            raise SettingProblem(f"each hub must be an absolute http(s) URL, not {hub!r}", "hubs")
    archive = archive.strip()
    if archive not in (*ARCHIVE_PERIODS, "off"):
        raise SettingProblem(
            f"must be one of {', '.join(ARCHIVE_PERIODS)} or off, not {archive!r}", "archive"
        )
    return Syndication(
        # Listed in a fixed order, once each, whatever order the config names them in.
        formats=tuple(f for f in known if f in formats),
        limit=limit,
        archive=None if archive == "off" else archive,
        archive_categories=archive_categories,
        max_bytes=max_bytes,
        # A hub is told once per feed, even when the config lists it twice.
        hubs=tuple(dict.fromkeys(hubs)),
    )


def render_fingerprint(meta: FeedMeta, syndication: Syndication) -> str:
    """A digest of everything that shapes a document besides its entries."""
    return digest_value((meta, syndication))


def document_fingerprint(meta: FeedMeta, syndication: Syndication, *, archive_page: bool) -> str:
    """What shapes one document besides its entries (their records and labels) and its links
    (:meth:`~feedpub.output.paths.FeedLinks.fingerprint`, in its digest beside this): what the
    site says of itself, and for a subscription document the size cap, which may leave out
    entries. The other settings reach a document only through those two: ``limit`` through
    its entries and whether it is complete, ``archive`` and ``archive_categories`` through its
    pages and links, ``hubs`` through its links (subscription documents only), ``formats``
    through which documents there are (none links to another format's)."""
    if archive_page:
        return digest_value(meta)
    return digest_value((meta, syndication.max_bytes))
