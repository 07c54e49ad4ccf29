"""The typed, frozen form of an article record, as the loader hands it on.

Nothing naive gets past the loader: every datetime here is timezone-aware and
every URL is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Article", "Attachment", "Author", "Category"]


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
