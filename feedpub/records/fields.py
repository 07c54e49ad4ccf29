"""The fields of a record: their names, kinds and whether one is required.

One table, read by the record contract (:mod:`feedpub.records.contract`, which runs
the checker of each field's kind), by the settings of row sources (a column may
be mapped to any of these names) and by the documentation. It imports nothing
heavy, so the config can read it without loading the loader.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

__all__ = ["FIELDS", "KNOWN_FIELDS", "Field", "closest_field"]


class Field(NamedTuple):
    """One record field: its name, the kind of value it holds (which decides its check) and,
    for a required field, the reason its absence gives."""

    name: str
    kind: str
    required: str | None = None


#: Every record field, in the order the contract checks them: ``timezone`` before the dates
#: it is the zone of, ``url`` before the attachments it is the base of.
FIELDS: tuple[Field, ...] = (
    Field("id", "id"),
    Field("title", "title", "is required"),
    Field("timezone", "zone"),
    Field("date_published", "date", "is required (the date the article was published)"),
    Field("date_modified", "date"),
    Field("url", "url"),
    Field("image", "url"),
    Field("summary", "wrapped_text"),
    Field("content_html", "wrapped_text"),
    Field("content_text", "text"),
    Field("language", "language"),
    Field("draft", "boolean"),
    Field("authors", "authors"),
    Field("categories", "categories"),
    Field("attachments", "attachments"),
)

KNOWN_FIELDS = frozenset(field.name for field in FIELDS)

#: What other vocabularies (RSS, Atom, CMS exports) call a field, for names too unlike ours
#: for a spelling match.
_ALIASES = {
    "tags": "categories",
    "author": "authors",
    "creator": "authors",
    "body": "content_html",
    "content": "content_html",
    "description": "summary",
    "link": "url",
    "published": "date_published",
    "pubdate": "date_published",
    "date": "date_published",
    "updated": "date_modified",
    "modified": "date_modified",
    "guid": "id",
    "enclosures": "attachments",
    "enclosure": "attachments",
}


def closest_field(name: str) -> str | None:
    """The known field an unknown ``name`` most likely meant (a misspelling, or another
    vocabulary's word for it), or ``None``."""
    folded = name.strip().lower().replace("-", "_")
    if folded in KNOWN_FIELDS:
        return folded  # `Title`, `date-published`
    if folded in _ALIASES:
        return _ALIASES[folded]
    close = difflib.get_close_matches(folded, sorted(KNOWN_FIELDS), n=1, cutoff=0.8)
    return close[0] if close else None
