"""The typed, frozen values every stage shares: articles as the loader hands them on, and
the feeds planned from them.

Nothing naive gets past the loader: every datetime here is timezone-aware and
every URL is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = ["EPOCH", "Article", "Attachment", "Author", "Category", "FeedPlan", "Format"]

#: An output format.
Format = Literal["rss", "atom", "json"]
#: ``updated`` of a feed with no entry yet: fixed, so an empty site still rebuilds byte-identical.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Author:
    """A person credited for an article. At least one of the fields is set."""

    name: str | None = None
    email: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Category:
    """A category: ``term`` is the stable slug used in ids and paths, ``label`` is shown."""

    term: str
    label: str
    scheme: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file attached to an article (an RSS enclosure, an Atom ``rel="enclosure"`` link)."""

    url: str
    mime_type: str
    size_in_bytes: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class Article:
    """One publishable article record, with aware dates and absolute URLs.

    ``content_html`` holds the body as HTML whichever field it came from
    (``content_text`` is escaped and wrapped in paragraphs by the loader);
    ``summary`` is plain text, derived from the body when the record had none.
    """

    id: str
    title: str
    published: datetime
    source: str
    line: int | None = None
    url: str | None = None
    modified: datetime | None = None
    authors: tuple[Author, ...] = ()
    categories: tuple[Category, ...] = ()
    summary: str | None = None
    content_html: str | None = None
    image: str | None = None
    attachments: tuple[Attachment, ...] = ()
    language: str | None = None
    draft: bool = False

    @property
    def updated(self) -> datetime:
        """The instant the article last changed: ``modified``, else ``published``."""
        return self.modified or self.published


@dataclass(frozen=True)
class FeedPlan:
    """One feed (in every format): the main one, or one category's."""

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
