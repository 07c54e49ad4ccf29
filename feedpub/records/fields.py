"""The fields of a record: their names, kinds and whether one is required.

One table, read by the record contract (:mod:`feedpub.records.contract`, which runs
the checker of each field's kind), by the settings of row sources (a column may
be mapped to any of these names) and by the documentation. It imports nothing
heavy, so the config can read it without loading the loader.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["FIELDS", "KNOWN_FIELDS", "Field"]


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
