"""Rendering a planned feed as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

The items are the entries the RSS and Atom documents show, in the same order,
with the same ids (the Atom id) and dates (RFC 3339, each with its entry's own
offset). The bytes are deterministic: members go out in one fixed order, and
nothing depends on the clock, so unchanged input gives an unchanged file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import msgspec

from feedpub.model import Article, Author, Category, FeedPlan
from feedpub.output.assembly import Frame
from feedpub.output.ids import entry_id
from feedpub.records.dates import format_rfc3339

if TYPE_CHECKING:
    # Only types: a renderer imports nothing that reads the format table (output/formats.py
    # imports the renderers), so the imports form no circle.
    from feedpub.output.meta import FeedMeta
    from feedpub.output.paths import FeedLinks

__all__ = ["JSON_FEED_VERSION", "json_entries", "json_frame", "render_json_feed"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

_ENCODER = msgspec.json.Encoder()


def _author(author: Author) -> dict[str, str] | None:
    """A JSON Feed author: ``name`` and ``url``; JSON Feed has no email member, so an address
    goes out as a ``mailto:`` url when the author has no url of their own (the spec allows it)."""
    shown: dict[str, str] = {}
    if author.name:
        shown["name"] = author.name
    if author.url:
        shown["url"] = author.url
    elif author.email:
        shown["url"] = f"mailto:{author.email}"
        shown.setdefault("name", author.email)
    return shown or None


def _item(article: Article, config: FeedMeta) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry_id(article.id, article.published, config.domain)}
    if article.url:
        item["url"] = article.url
    item["title"] = article.title
    if article.content_html is not None:
        item["content_html"] = article.content_html
    else:
        # JSON Feed needs one of the two bodies; a record without a body has its summary
        # (Atom shows it as text content too), or nothing to say beyond its title and link.
        item["content_text"] = article.summary or ""
    if article.summary:
        item["summary"] = article.summary
    if article.image:
        item["image"] = article.image
    item["date_published"] = format_rfc3339(article.published)
    if article.modified is not None:
        item["date_modified"] = format_rfc3339(article.modified)
    authors = [shown for shown in map(_author, article.authors) if shown]
    if authors:
        item["authors"] = authors
    if article.categories:
        item["tags"] = [category.label for category in article.categories]
    if article.language:
        item["language"] = article.language
    if article.attachments:
        attachments = []
        for attachment in article.attachments:
            shown: dict[str, Any] = {"url": attachment.url, "mime_type": attachment.mime_type}
            if attachment.title:
                shown["title"] = attachment.title
            if attachment.size_in_bytes is not None:
                shown["size_in_bytes"] = attachment.size_in_bytes
            attachments.append(shown)
        item["attachments"] = attachments
    return item


def render_json_feed(plan: FeedPlan, config: FeedMeta, links: FeedLinks) -> bytes:
    """Render one planned feed as UTF-8 JSON Feed 1.1 bytes, ending in a newline; ``links`` says
    where it is published and what else it links to."""
    feed = _feed(plan.category, config, links)
    feed["items"] = [_item(article, config) for article in plan.entries]
    return _indented(feed)


def json_frame(category: Category | None, config: FeedMeta, links: FeedLinks) -> Frame:
    """The document :func:`render_json_feed` gives for a plan of ``category``, without its
    items (which a JSON Feed's frame takes nothing from)."""
    empty = _indented({**_feed(category, config, links), "items": []})
    end = b'"items": []\n}\n'  # items is the last member
    if not empty.endswith(end):
        raise AssertionError(f"a JSON Feed does not end as expected: {empty[-40:]!r}")
    head = empty[: -len(b"[]\n}\n")] + b"[\n"
    return Frame(head=head, tail=b"\n  ]\n}\n", empty=empty, separator=b",\n")


def json_entries(
    articles: Sequence[Article], config: FeedMeta, links: FeedLinks
) -> tuple[list[bytes], bytes]:
    """Each article's item as the bytes every document showing it carries (indented as an
    element of the top object's ``items``: JSON text holds no raw line break, so every line
    break is indentation); and one document (framed by ``links``) showing them all."""
    entries = [
        b"    " + _indented(_item(article, config))[:-1].replace(b"\n", b"\n    ")
        for article in articles
    ]
    return entries, json_frame(None, config, links).page(entries)


def _feed(category: Category | None, config: FeedMeta, links: FeedLinks) -> dict[str, Any]:
    """The feed's members before ``items``."""
    label = category.label if category is not None else None
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": config.title if label is None else f"{config.title}: {label}",
        "home_page_url": config.link,
        "feed_url": urljoin(config.feeds_url, links.path("json")),
        "description": (
            config.description if label is None else f"{config.description} Category: {label}."
        ),
    }
    # The same feed author as the XML formats: the configured one, else the site itself.
    author = _author(config.author or Author(name=config.title, url=config.link))
    if author:
        feed["authors"] = [author]
    if config.language:
        feed["language"] = config.language
    prev_archive = links.prev_archive_path("json")
    if prev_archive is not None:
        # JSON Feed's pagination: from the subscription document to the newest archive page,
        # and from each archive page to the one before (RFC 5005's prev-archive). JSON Feed
        # has no member for next-archive, current, fh:archive or fh:complete: a complete
        # feed is one without next_url, which in JSON Feed means there are no more items.
        feed["next_url"] = urljoin(config.feeds_url, prev_archive)
    if links.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in links.hubs]
    return feed


def _indented(value: dict[str, Any]) -> bytes:
    # The bytes json.dumps(value, ensure_ascii=False, indent=2) gives, members in order and
    # text unescaped (the sample's Indonesian stays readable; JSON is UTF-8, RFC 8259), but
    # encoded and indented in C: the standard library's encoder indents in Python, 10x slower.
    return msgspec.json.format(_ENCODER.encode(value), indent=2) + b"\n"
