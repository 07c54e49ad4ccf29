"""Rendering a planned feed to RSS 2.0 or Atom 1.0 bytes. The only module that knows feedgen.

An article's ``content_html`` arrives sanitised (the loader runs it through
``records/sanitise.py``), so every renderer, whatever its format, writes safe HTML.

feedgen 1.0 builds most of each document; a small feedgen extension then
fixes what feedgen gets wrong (each workaround is pinned by a test):

- it stamps ``lastBuildDate`` and feed/entry ``updated`` with the wall clock
  when they are not set, and writes microseconds: every date is set here,
  from the entries, truncated to the second;
- it prepends entries unless ``order="append"``;
- its Atom ``content type="CDATA"`` is not an Atom type: content is ``html``;
- its RSS channel ``<link>`` is the *last* ``link()`` whatever its rel: the
  self link is given first, the alternate last;
- it drops every attribute but ``href`` from Atom entry links, so enclosures
  and link types are written by the extension;
- it writes ``<category/>`` for a category without a label: labels are always given;
- it drops name-only authors from RSS: they go out as ``dc:creator`` (see :func:`_rss_people`);
- it keeps the *last* RSS enclosure: the extension writes the first attachment;
- ``description()`` after ``content()`` overwrites Atom content: ``summary()`` is used;
- its RSS dates go through ``locale.setlocale``, and both formats write an offset
  with seconds as it is (historic zones had them), which no RFC allows: every
  date is written here, locale-independently, with the entry's own offset.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from feedpub.model import EPOCH, Article, Category, FeedPlan, Format
from feedpub.output.assembly import Frame, FrameFacts
from feedpub.output.ids import entry_id
from feedpub.records.dates import format_rfc822, format_rfc3339

if TYPE_CHECKING:
    # Only types: a renderer imports nothing that reads the format table (output/formats.py
    # imports the renderers), so the imports form no circle.
    from feedpub.output.meta import FeedMeta
    from feedpub.output.paths import FeedLinks

__all__ = [
    "entry_facts",
    "facts_of",
    "frame_facts",
    "render_entries",
    "render_feed",
    "render_frame",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
FH_NS = "http://purl.org/syndication/history/1.0"
MEDIA_NS = "http://search.yahoo.com/mrss/"
GENERATOR_URI = "https://pypi.org/project/feedpub/"
#: What closes a document after its entries: feedgen appends them last (after its extensions
#: ran), so everything after them is the root's (and RSS's channel's) end tag.
_TAILS: dict[Format, bytes] = {"rss": b"  </channel>\n</rss>\n", "atom": b"</feed>\n"}
#: How deep an entry's children are indented (two spaces a level): ``rss/channel/item/*``.
_ENTRY_CHILD_INDENT: dict[Format, bytes] = {"rss": b"      ", "atom": b"    "}
#: The processing instruction that marks where one entry's bytes begin (see :func:`render_entries`).
_CUT = "feedpub-cut"


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


class _FeedpubFeed:
    """Feed-level half of the extension: declares the namespaces the entry half writes, and
    writes the feed's own date itself (see :func:`_set_date`)."""

    def __init__(self) -> None:
        self.uses_dc = False
        self.updated: datetime | None = None
        #: Feed links feedgen cannot write in RSS (hubs, RFC 5005 archives), as (rel, href).
        self.links: list[tuple[str, str]] = []
        #: An RFC 5005 archive document: it carries <fh:archive/>.
        self.archive = False
        #: An RFC 5005 complete document (every entry of its feed): it carries <fh:complete/>.
        self.complete = False

    def extend_ns(self) -> dict[str, str]:
        namespaces = {"media": MEDIA_NS}
        if self.uses_dc:
            namespaces["dc"] = DC_NS
        if self.archive or self.complete:
            namespaces["fh"] = FH_NS
        return namespaces

    def extend_atom(self, feed: Any) -> Any:
        assert self.updated is not None
        _set_date(feed, "updated", format_rfc3339(self.updated))
        for rel, href in self.links:
            etree.SubElement(feed, "link", rel=rel, href=href)
        self._history(feed)
        return feed

    def extend_rss(self, feed: Any) -> Any:
        assert self.updated is not None
        channel = feed.find("channel")
        _set_date(channel, "lastBuildDate", format_rfc822(self.updated))
        for rel, href in self.links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", rel=rel, href=href)
        self._history(channel)
        return feed

    def _history(self, parent: Any) -> None:
        """RFC 5005's markers: <fh:complete/> (section 2), <fh:archive/> (section 4)."""
        if self.complete:
            etree.SubElement(parent, f"{{{FH_NS}}}complete")
        if self.archive:
            etree.SubElement(parent, f"{{{FH_NS}}}archive")


def _set_date(parent: Any, tag: str, text: str) -> None:
    """Rewrite a date feedgen wrote: it formats with isoformat/strftime, which write an
    offset with seconds (Jakarta before 1924 was +07:07:12) that neither RFC allows."""
    element = parent.find(tag)
    if element is not None:
        element.text = text


class _FeedpubEntry:
    """Entry-level half: writes what feedgen cannot write correctly (see the module docstring)."""

    def __init__(self) -> None:
        self.article: Article | None = None
        #: When set, the entry's first child is a ``<?feedpub-cut cut?>`` marker.
        self.cut: str | None = None

    def _mark(self, entry: Any) -> Any:
        if self.cut is not None:
            entry.insert(0, etree.ProcessingInstruction(_CUT, self.cut))
        return entry

    def extend_atom(self, entry: Any) -> Any:
        article = self.article
        assert article is not None
        if article.language:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", article.language)
        _set_date(entry, "updated", format_rfc3339(article.updated))
        _set_date(entry, "published", format_rfc3339(article.published))
        # feedgen builds its Atom tree without a namespace (the root carries a literal
        # xmlns attribute), so the entry's own children are looked up unqualified.
        for link in entry.findall("link"):
            link.set("rel", "alternate")
            link.set("type", "text/html")
        for attachment in article.attachments:
            link = etree.SubElement(entry, "link", rel="enclosure", href=attachment.url)
            link.set("type", attachment.mime_type)
            if attachment.size_in_bytes is not None:
                link.set("length", str(attachment.size_in_bytes))
            if attachment.title:
                link.set("title", attachment.title)
        self._image(entry)
        return self._mark(entry)

    def extend_rss(self, item: Any) -> Any:
        article = self.article
        assert article is not None
        author, creators = _rss_people(article)
        if author:
            etree.SubElement(item, "author").text = author
        for creator in creators:
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = creator
        if article.attachments:
            first = article.attachments[0]
            etree.SubElement(
                item,
                "enclosure",
                url=first.url,
                length=str(first.size_in_bytes or 0),
                type=first.mime_type,
            )
        etree.SubElement(item, "pubDate").text = format_rfc822(article.published)
        self._image(item)
        return self._mark(item)

    def _image(self, parent: Any) -> None:
        if self.article and self.article.image:
            etree.SubElement(parent, f"{{{MEDIA_NS}}}thumbnail", url=self.article.image)

    def extend_ns(self) -> dict[str, str]:
        return {}


def _rss_people(article: Article) -> tuple[str | None, list[str]]:
    """One form per item, never both (the W3C validator warns on an item with ``<author>``
    and ``dc:creator``): RSS's ``<author>`` is one email address, so it is used only for a
    single author with an email; any other item names every author in ``dc:creator``
    (the name, else the email), which also carries name-only authors feedgen would drop."""
    if len(article.authors) == 1 and article.authors[0].email:
        author = article.authors[0]
        return (f"{author.email} ({author.name})" if author.name else author.email), []
    creators = [a.name or a.email or "" for a in article.authors]
    return None, [c for c in creators if c]


def entry_facts(article: Article) -> tuple[datetime, bool]:
    """What a document's frame takes from one of its entries: when it changed, and whether
    it names its people with ``dc:creator``."""
    return article.updated, bool(_rss_people(article)[1])


def facts_of(entries: Sequence[tuple[datetime, bool]]) -> FrameFacts:
    """What the frame of a document takes from its entries' :func:`entry_facts`, in order:
    the newest instant (the first of equals, in its own offset), as :class:`FeedPlan` says."""
    if not entries:
        return FrameFacts(EPOCH, False)
    newest = max((updated for updated, _ in entries), key=lambda d: d.timestamp())
    return FrameFacts(newest, any(people for _, people in entries))


def frame_facts(entries: Sequence[Article]) -> FrameFacts:
    """What the frame of a document showing ``entries`` takes from them."""
    return facts_of([entry_facts(e) for e in entries])


def _generator(
    category: Category | None, facts: FrameFacts, config: FeedMeta, fmt: Format, links: FeedLinks
) -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension("feedpub", _FeedpubFeed, _FeedpubEntry, atom=True, rss=True)
    generator.feedpub.uses_dc = fmt == "rss" and facts.dublin_core
    generator.feedpub.updated = facts.updated
    generator.feedpub.links = [(rel, urljoin(config.feeds_url, to)) for rel, to in links.extra(fmt)]
    generator.feedpub.archive = links.archive
    generator.feedpub.complete = links.complete
    self_url = urljoin(config.feeds_url, links.path(fmt))
    title = config.title if category is None else f"{config.title}: {category.label}"
    description = (
        config.description
        if category is None
        else f"{config.description} Category: {category.label}."
    )
    generator.id(urljoin(config.feeds_url, links.path("atom")))
    generator.title(title)
    # Order matters: feedgen's RSS <link> is the last link() given.
    generator.link(href=self_url, rel="self", type=f"application/{fmt}+xml")
    generator.link(href=config.link, rel="alternate", type="text/html")
    generator.description(description)
    if config.language:
        generator.language(config.language)
    author = config.author
    if author is not None:
        generator.author(
            {
                k: v
                for k, v in (("name", author.name), ("email", author.email), ("uri", author.url))
                if v
            }
        )
        if author.email:
            generator.managingEditor(f"{author.email} ({author.name})")
    else:
        generator.author({"name": config.title, "uri": config.link})
    generator.generator("feedpub", uri=GENERATOR_URI)
    updated = _seconds(facts.updated)
    generator.updated(updated)
    generator.lastBuildDate(updated)
    if category is not None:
        generator.category(term=category.term, label=category.label, scheme=category.scheme)
    return generator


def _add_entry(
    generator: FeedGenerator,
    article: Article,
    config: FeedMeta,
    fmt: Format,
    cut: str | None = None,
) -> None:
    entry: FeedEntry = generator.add_entry(order="append")
    entry.feedpub.article = article
    entry.feedpub.cut = cut
    guid = entry_id(article.id, article.published, config.domain)
    entry.id(guid)
    entry.guid(guid, permalink=guid == article.url)
    entry.title(article.title)
    if article.url:
        entry.link(href=article.url, rel="alternate")
    entry.updated(_seconds(article.updated))
    for category in article.categories:
        entry.category(term=category.term, label=category.label, scheme=category.scheme)
    if fmt == "atom":
        entry.published(_seconds(article.published))
        for author in article.authors:
            if author.name:  # Atom needs a name; an email-only author is named by the address.
                entry.author(
                    {
                        k: v
                        for k, v in (
                            ("name", author.name),
                            ("email", author.email),
                            ("uri", author.url),
                        )
                        if v
                    }
                )
            elif author.email:
                entry.author({"name": author.email, "email": author.email})
        if article.summary:
            entry.summary(article.summary, type="text")
        if article.content_html is not None:
            entry.content(article.content_html, type="html")
        elif article.url is None and article.summary:
            entry.content(article.summary, type="text")
    else:
        if article.summary:
            # RSS <description> is HTML: plain text must be escaped once more.
            entry.description(html.escape(article.summary, quote=False))
        if article.content_html is not None:
            entry.content(article.content_html)


def render_feed(plan: FeedPlan, config: FeedMeta, fmt: Format, links: FeedLinks) -> bytes:
    """Render one planned feed as UTF-8 XML bytes with a declaration, in ``fmt`` (``rss`` or
    ``atom``); ``links`` says where it is published and what else it links to."""
    generator = _generator(plan.category, frame_facts(plan.entries), config, fmt, links)
    for article in plan.entries:
        _add_entry(generator, article, config, fmt)
    return _serialise(generator, fmt)


def render_frame(
    category: Category | None, facts: FrameFacts, config: FeedMeta, fmt: Format, links: FeedLinks
) -> Frame:
    """The document :func:`render_feed` gives for a plan of ``category`` whose entries have
    these ``facts`` (:func:`frame_facts`), without its entries: its head and its tail."""
    empty = _serialise(_generator(category, facts, config, fmt, links), fmt)
    tail = _TAILS[fmt]
    if not empty.endswith(tail):  # feedgen changed how it closes a document
        raise AssertionError(f"a {fmt} document does not end as expected: {empty[-40:]!r}")
    return Frame(head=empty[: -len(tail)], tail=tail, empty=empty)


def render_entries(
    articles: Sequence[Article], config: FeedMeta, fmt: Format, links: FeedLinks
) -> tuple[list[bytes], bytes]:
    """Each article's entry in ``fmt``, as the bytes every document showing it carries between
    its frame's head and tail; and one document (framed by ``links``) showing them all, whose
    validation judges them all at once.

    One feedgen document renders them all, each entry's first child a processing instruction
    carrying a token drawn for this call, so no record's text can forge one: the bytes are cut
    there (the entry's start tag is the line before the mark) and the marks taken out. Neither
    the mark nor its removal changes a byte of the rest: libxml2 indents an element's children
    alike whether a processing instruction is among them or not.
    """
    if not articles:
        return [], render_feed(FeedPlan(None, ()), config, fmt, links)
    cut = secrets.token_hex(16)
    generator = _generator(None, frame_facts(articles), config, fmt, links)
    for article in articles:
        _add_entry(generator, article, config, fmt, cut)
    marked = _serialise(generator, fmt)
    pieces = marked.split(_ENTRY_CHILD_INDENT[fmt] + f"<?{_CUT} {cut}?>\n".encode())
    if len(pieces) != len(articles) + 1 or not pieces[-1].endswith(_TAILS[fmt]):
        raise AssertionError(f"{len(pieces) - 1} marks for {len(articles)} {fmt} entries")
    starts = [piece.rindex(b"\n", 0, len(piece) - 1) + 1 for piece in pieces[:-1]]
    entries = []
    for i in range(len(articles)):
        end = len(pieces[i + 1]) - len(_TAILS[fmt]) if i + 1 == len(articles) else starts[i + 1]
        entries.append(pieces[i][starts[i] :] + pieces[i + 1][:end])
    return entries, b"".join(pieces)


def _serialise(generator: FeedGenerator, fmt: Format) -> bytes:
    data: bytes
    data = generator.rss_str(pretty=True) if fmt == "rss" else generator.atom_str(pretty=True)
    return data
