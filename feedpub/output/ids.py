"""Stable identities: each entry's Atom id and RSS guid, an RFC 4151 tag URI."""

from __future__ import annotations

import functools
from datetime import date, datetime
from urllib.parse import quote

from feedpub.records.urls import TAG_SAFE, is_absolute_iri

__all__ = ["entry_id"]


def entry_id(record_id: str, published: datetime, domain: str) -> str:
    """The Atom id / RSS guid of a record, the same on every rebuild.

    A record id that is already an absolute IRI is used as it is; any other
    becomes ``tag:<domain>,<YYYY-MM-DD>:<record id>`` (RFC 4151), dated by
    the day of publication in the article's own offset.
    """
    return _entry_id(record_id, published.date(), domain)


# An entry is in several feeds, in every format: its id is made once. Keyed by the local
# date, never the datetime, which compares equal to the same instant at another offset.
# Small: the formats of one feed follow each other, so a repeat is seldom far.
@functools.lru_cache(maxsize=1 << 10)
def _entry_id(record_id: str, day: date, domain: str) -> str:
    if is_absolute_iri(record_id):
        return record_id
    return f"tag:{domain.lower()},{day.strftime('%Y-%m-%d')}:{quote(record_id, safe=TAG_SAFE)}"
