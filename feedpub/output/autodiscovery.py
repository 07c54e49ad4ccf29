"""Autodiscovery links: the ``<link rel="alternate">`` tags that let browsers and feed readers
find a feed from a page, for the site feed or one category's.

Titles are the feeds' own (the site's title, or ``title: label`` for a category, as the
documents say), followed by the format as people know it; addresses are where the documents
are published (``feeds_url``), in the formats the config publishes. ``feedpub links`` prints
them for a site's own pages; the pages feedpub writes (:mod:`.pages`) carry the same.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urljoin

from feedpub.model import Category, Format
from feedpub.output.formats import FORMATS
from feedpub.output.meta import FeedMeta
from feedpub.output.paths import feed_path

__all__ = ["FeedLink", "feed_description", "feed_title", "links_html", "subscription_links"]


@dataclass(frozen=True)
class FeedLink:
    """One autodiscovery link."""

    type: str
    title: str
    href: str
    rel: str = "alternate"


def feed_title(meta: FeedMeta, category: Category | None) -> str:
    """A feed's title as its documents give it: the site's, or ``title: label``."""
    return meta.title if category is None else f"{meta.title}: {category.label}"


def feed_description(meta: FeedMeta, category: Category | None) -> str:
    """A feed's description as its documents give it: the site's, and a category's label."""
    if category is None:
        return meta.description
    return f"{meta.description} Category: {category.label}."


def subscription_links(
    meta: FeedMeta, formats: tuple[Format, ...], category: Category | None
) -> list[FeedLink]:
    """The links to the site feed (``category`` None) or to a category's, in ``formats``."""
    title = feed_title(meta, category)
    term = None if category is None else category.term
    return [
        FeedLink(
            type=FORMATS[fmt].media_type,
            title=f"{title} ({FORMATS[fmt].label})",
            href=urljoin(meta.feeds_url, feed_path(term, fmt)),
        )
        for fmt in formats
    ]


def links_html(links: list[FeedLink]) -> str:
    """The links as HTML ``<link>`` tags, one a line, for a page's ``<head>``."""
    return "".join(
        f'<link rel="{link.rel}" type="{link.type}" title="{html.escape(link.title)}"'
        f' href="{html.escape(link.href)}">\n'
        for link in links
    )
