"""Pages for people: the directory of every feed (``index.html``) and a readable page behind
each subscription feed (``feed/index.html``, ``category/<term>/index.html``).

A person who follows a feed link lands on a page a browser shows well: what the feed is, its
newest entries, and how to subscribe (links labelled "RSS", "Atom", "JSON Feed", and the
feed's address in a read-only field to select and copy: no script anywhere). Every page is
HTML5 built as a tree (lxml), so titles and summaries, which are user data, are escaped by
the serialiser; summaries are plain text (the record contract's), never a body's HTML. The
style is inline and small, nothing is fetched from elsewhere, and links between documents
are relative, so a page reads the same from the output folder, a server or a bucket.

A page holds nothing but what it shows (no build time), so it is byte-stable: the pipeline
renders it again only when its feed's entries or the settings change.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin

from feedpub.model import Category, Format
from feedpub.output.autodiscovery import (
    FeedLink,
    feed_description,
    feed_title,
    subscription_links,
)
from feedpub.output.formats import FORMATS
from feedpub.output.meta import FeedMeta
from feedpub.output.paths import DIRECTORY_PAGE, feed_path, page_path

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "FeedFacts",
    "PageEntry",
    "PageSettings",
    "render_directory",
    "render_feed_page",
]


@dataclass(frozen=True)
class PageSettings:
    """Whether the pages are written, and the zone their dates are shown in (the site's)."""

    enabled: bool = True
    zone: tzinfo = UTC
    #: The zone's name as configured, for fingerprints (a tzinfo has no stable text).
    zone_name: str = "UTC"

    def fingerprint(self) -> str:
        """What shapes a page besides its feed's entries and the feeds' settings."""
        return f"pages={self.enabled}\x1ezone={self.zone_name}"


@dataclass(frozen=True)
class FeedFacts:
    """One subscription feed as a page describes it."""

    #: ``None`` for the site feed.
    category: Category | None
    #: Its live entries (all of them, not only those its subscription documents show).
    entries: int
    #: When its newest entry was published (POSIX seconds), if it has any.
    newest: float | None
    #: The folder of its newest archive page (RFC 5005), if it has archive pages.
    archive: str | None

    @property
    def term(self) -> str | None:
        """The category's term, or ``None`` for the site feed."""
        return None if self.category is None else self.category.term

    def text(self) -> str:
        """Everything here a page shows, as text for a page's digest."""
        category = self.category
        shown = "" if category is None else f"{category.term}\x1f{category.label}"
        return f"{shown}\x1e{self.entries}\x1e{self.newest!r}\x1e{self.archive}"


#: Small, responsive, light and dark: read on a phone as on a desktop, nothing fetched.
_STYLE = """
:root { color-scheme: light dark; --muted: #666; --line: #ccc; --accent: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; --line: #444; --accent: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 44rem; padding: 1rem; font: 1rem/1.5 system-ui, sans-serif;
  overflow-wrap: anywhere; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.25rem; margin: 0 0 0.25rem; }
header p, .facts, .help, time { color: var(--muted); }
.feed, .entry { border-top: 1px solid var(--line); padding: 1rem 0; }
.facts, .formats, .address { margin: 0.25rem 0; }
.formats a { display: inline-block; margin: 0.25rem 0.75rem 0.25rem 0; padding: 0.2rem 0.6rem;
  border: 1px solid var(--accent); border-radius: 0.3rem; text-decoration: none; }
.address label { display: block; font-size: 0.9rem; }
.address input { width: 100%; font: 0.9rem ui-monospace, monospace; padding: 0.3rem; }
.entry p { margin: 0.25rem 0; }
.archives { border-top: 1px solid var(--line); font-size: 0.9rem; }
"""


def _element(
    parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    from lxml import etree

    attributes = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    node = (
        etree.Element(tag, attributes)
        if parent is None
        else etree.SubElement(parent, tag, attributes)
    )
    node.text = text
    return node


def _href(page: str, target: str) -> str:
    """``target`` (a path under the output folder) relative to the page at ``page``."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def _date(when: float | datetime, zone: tzinfo, *, with_time: bool) -> tuple[str, str]:
    """(machine-readable, shown) for an instant in the site's zone: ``2024-05-03 14:30 WIB``.
    Digits only, no month names: the same whatever the machine's locale."""
    moment = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)
    local = moment.astimezone(zone)
    if not with_time:
        return local.date().isoformat(), local.date().isoformat()
    return local.isoformat(), f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()


def _head(
    root: etree._Element, meta: FeedMeta, title: str, description: str, links: list[FeedLink]
) -> None:
    head = _element(root, "head")
    _element(head, "meta", charset="utf-8")
    _element(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    _element(head, "title", title)
    _element(head, "meta", name="description", content=description)
    _element(head, "style", _STYLE)
    for link in links:
        _element(head, "link", rel=link.rel, type=link.type, title=link.title, href=link.href)


def _ours(node: etree._Element, meta: FeedMeta) -> etree._Element:
    """Mark ``node`` as feedpub's own wording (English) on a page in the site's language, so
    that a screen reader or a translator takes it for what it is (WCAG 2, "language of
    parts"); the page itself is in the site's language, as its titles and summaries are."""
    if meta.language and meta.language.split("-")[0].lower() != "en":
        node.set("lang", "en")
    return node


def _document(meta: FeedMeta) -> etree._Element:
    root = _element(None, "html")
    if meta.language:
        root.set("lang", meta.language)
    return root


def _serialise(root: etree._Element) -> bytes:
    from lxml import html

    data: bytes = html.tostring(
        root, doctype="<!DOCTYPE html>", encoding="utf-8", method="html", pretty_print=True
    )
    return data


def _count(entries: int) -> str:
    return "1 entry" if entries == 1 else f"{entries:,} entries"


def _subscribe(
    parent: etree._Element, page: str, meta: FeedMeta, formats: tuple[Format, ...], feed: FeedFacts
) -> None:
    """The feed's formats as links for people, and its address to copy."""
    formats_line = _element(parent, "p", class_="formats")
    for number, fmt in enumerate(formats):
        spec = FORMATS[fmt]
        link = _element(
            formats_line,
            "a",
            spec.label,
            href=_href(page, feed_path(feed.term, fmt)),
            type=spec.media_type,
        )
        link.tail = " " if number + 1 < len(formats) else None  # apart, also without the style
    slug = "site" if feed.term is None else f"category-{feed.term}"
    address = _element(parent, "p", class_="address")
    first = formats[0]
    label = _ours(
        _element(
            address,
            "label",
            f"Feed address ({FORMATS[first].label}): copy it into your feed reader",
        ),
        meta,
    )
    label.set("for", f"address-{slug}")
    _element(
        address,
        "input",
        id=f"address-{slug}",
        type="url",
        readonly="readonly",
        value=urljoin(meta.feeds_url, feed_path(feed.term, first)),
    )


def _facts(parent: etree._Element, meta: FeedMeta, feed: FeedFacts, zone: tzinfo) -> None:
    count = _count(feed.entries)
    if feed.newest is None:
        _ours(_element(parent, "p", count, class_="facts"), meta)
        return
    facts = _ours(_element(parent, "p", f"{count}, the newest on ", class_="facts"), meta)
    machine, shown = _date(feed.newest, zone, with_time=False)
    _element(facts, "time", shown, datetime=machine)


def _archives(
    parent: etree._Element,
    page: str,
    meta: FeedMeta,
    formats: tuple[Format, ...],
    feeds: Sequence[FeedFacts],
) -> None:
    """Links to each feed's newest archive page; older pages link back from there."""
    archived = [feed for feed in feeds if feed.archive is not None]
    if not archived:
        return
    section = _element(parent, "section", class_="archives")
    _ours(_element(section, "h2", "Archives"), meta)
    _ours(
        _element(
            section,
            "p",
            "Older entries, in pages by period: each links to the one before it.",
            class_="help",
        ),
        meta,
    )
    listing = _element(section, "ul")
    for feed in archived:
        name = "All entries" if feed.category is None else feed.category.label
        item = _element(listing, "li", f"{name}: ")
        if feed.category is None:
            _ours(item, meta)
        for number, fmt in enumerate(formats):
            link = _element(
                item,
                "a",
                FORMATS[fmt].label,
                href=_href(page, f"{feed.archive}{FORMATS[fmt].file_name}"),
                type=FORMATS[fmt].media_type,
            )
            link.tail = ", " if number + 1 < len(formats) else ""


def render_directory(
    meta: FeedMeta,
    formats: tuple[Format, ...],
    settings: PageSettings,
    feeds: Sequence[FeedFacts],
) -> bytes:
    """The directory page: the site's title and description, then every feed (the site's
    first, then each category's by label) with how to subscribe, then the archives."""
    page = DIRECTORY_PAGE
    root = _document(meta)
    links = [link for feed in feeds for link in subscription_links(meta, formats, feed.category)]
    _head(root, meta, f"{meta.title}: feeds", meta.description, links)
    body = _element(root, "body")
    header = _element(body, "header")
    _element(header, "h1", meta.title)
    _element(header, "p", meta.description)
    help_text = _ours(
        _element(
            header,
            "p",
            "Follow this site in a feed reader: subscribe to all its entries or to one"
            " category below. The articles are on ",
        ),
        meta,
    )
    _element(help_text, "a", "the website", href=meta.link).tail = "."
    main = _element(body, "main")
    for feed in feeds:
        section = _element(main, "section", class_="feed", id=_section_id(feed))
        heading = _element(section, "h2")
        name = "All entries" if feed.category is None else feed.category.label
        named = _element(heading, "a", name, href=_href(page, page_path(feed.term)))
        if feed.category is None:
            _ours(named, meta)
        _element(section, "p", feed_description(meta, feed.category))
        _facts(section, meta, feed, settings.zone)
        _subscribe(section, page, meta, formats, feed)
    _archives(body, page, meta, formats, feeds)
    return _serialise(root)


def _section_id(feed: FeedFacts) -> str:
    return "site" if feed.term is None else f"category-{feed.term}"


class PageEntry(Protocol):
    """What a feed's page shows of an entry (an :class:`~feedpub.model.Article` has it, and
    so has what the build state keeps of one)."""

    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def published(self) -> float | datetime: ...
    @property
    def summary(self) -> str | None: ...


def render_feed_page(
    meta: FeedMeta,
    formats: tuple[Format, ...],
    settings: PageSettings,
    feed: FeedFacts,
    entries: Sequence[PageEntry],
) -> bytes:
    """The page behind one subscription feed: what it is, how to subscribe, and its newest
    entries (title linked to the article, date in the site's zone, summary)."""
    page = page_path(feed.term)
    title = feed_title(meta, feed.category)
    description = feed_description(meta, feed.category)
    root = _document(meta)
    _head(root, meta, title, description, subscription_links(meta, formats, feed.category))
    body = _element(root, "body")
    header = _element(body, "header")
    nav = _ours(_element(header, "p"), meta)
    _element(nav, "a", f"All of {meta.title}'s feeds", href=_href(page, DIRECTORY_PAGE))
    _element(header, "h1", title)
    _element(header, "p", description)
    _facts(header, meta, feed, settings.zone)
    _subscribe(header, page, meta, formats, feed)
    main = _element(body, "main")
    for article in entries:
        item = _element(main, "article", class_="entry")
        heading = _element(item, "h2")
        if article.url is not None:
            _element(heading, "a", article.title, href=article.url)
        else:
            heading.text = article.title
        machine, shown = _date(article.published, settings.zone, with_time=True)
        dated = _element(item, "p")
        _element(dated, "time", shown, datetime=machine)
        if article.summary:
            _element(item, "p", article.summary)
    if not entries:
        _ours(_element(main, "p", "No entries yet."), meta)
    _archives(body, page, meta, formats, [feed])
    return _serialise(root)
