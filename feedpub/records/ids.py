"""A record's identity in the feeds: the Atom id / RSS guid / JSON Feed id it becomes, and the
one rule for which ids are acceptable: exactly the rule the validator applies to that id."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from urllib.parse import quote, urlsplit

from feedpub.records.urls import PLAIN_HTTP_URL, TAG_SAFE, absolute_iri_flaw

__all__ = ["entry_id", "entry_id_flaw", "written_as_iri"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: White space as ``str.isspace`` has it (the same test in C, at a tenth of a Python loop's cost).
_SPACE = re.compile(r"\s")


def written_as_iri(record_id: str) -> bool:
    """True when a record id is used as it is written: it names its scheme (``urn:``,
    ``tag:``, ``https://``...), holds no white space and does not end at a colon. Any other
    id becomes a tag URI. An http(s) id needs a host to count as a URL; one urllib cannot
    even split is a URL written wrong (the validator's rule then refuses it)."""
    if not _SCHEME.match(record_id) or record_id.endswith(":"):
        return False
    if _SPACE.search(record_id):
        return False
    scheme, _, rest = record_id.partition(":")
    if scheme.lower() in ("http", "https"):
        try:
            return bool(urlsplit(record_id).hostname)
        except ValueError:
            return True
    return bool(rest)


def entry_id(record_id: str, published: datetime, domain: str) -> str:
    """The Atom id / RSS guid of a record, the same on every rebuild.

    An id written as an IRI (:func:`written_as_iri`) is used as it is; any other
    becomes ``tag:<domain>,<YYYY-MM-DD>:<record id>`` (RFC 4151), dated by the day
    of publication in the article's own offset.
    """
    return _entry_id(record_id, published.date(), domain)


# An entry is in several feeds, in every format: its id is made once. Keyed by the local
# date, never the datetime, which compares equal to the same instant at another offset.
# Small: the formats of one feed follow each other, so a repeat is seldom far.
@functools.lru_cache(maxsize=1 << 10)
def _entry_id(record_id: str, day: date, domain: str) -> str:
    if written_as_iri(record_id):
        return record_id
    return f"{_tag_prefix(domain, day)}{quote(record_id, safe=TAG_SAFE)}"


def _tag_prefix(domain: str, day: date) -> str:
    return f"tag:{domain.lower()},{day.strftime('%Y-%m-%d')}:"


def entry_id_flaw(record_id: str, domain: str) -> str | None:
    """Why the id ``record_id`` becomes (:func:`entry_id`) fails the validator's
    ``absolute-iri`` rule, or ``None``: the one test of a record id.

    The tag URI made of any other id is valid whatever the id holds (its specific part
    is percent-encoded to URI characters; dates are 1900..9999): its flaw, if any, is
    the domain's, judged once per domain.
    """
    if PLAIN_HTTP_URL.match(record_id) and record_id[-1] != ":":
        # The common case, valid as the pattern spells it: an http(s) URL with a host and no
        # white space, not ending at a colon, is used as written (:func:`written_as_iri`),
        # known without urllib's split.
        return None
    if not written_as_iri(record_id):
        return _tag_flaw(domain)
    return absolute_iri_flaw(record_id)


@functools.lru_cache(maxsize=16)
def _tag_flaw(domain: str) -> str | None:
    return absolute_iri_flaw(_tag_prefix(domain, date(2000, 1, 1)))
