"""Stable identities: each entry's Atom id and RSS guid, an RFC 4151 tag URI."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from feedpub.records.urls import TAG_SAFE, is_absolute_iri

__all__ = ["entry_id"]


def entry_id(record_id: str, published: datetime, domain: str) -> str:
    """The Atom id / RSS guid of a record, the same on every rebuild.

    A record id that is already an absolute IRI is used as it is; any other
    becomes ``tag:<domain>,<YYYY-MM-DD>:<record id>`` (RFC 4151), dated by
    the day of publication in the article's own offset.
    """
    if is_absolute_iri(record_id):
        return record_id
    day = published.strftime("%Y-%m-%d")
    return f"tag:{domain.lower()},{day}:{quote(record_id, safe=TAG_SAFE)}"
