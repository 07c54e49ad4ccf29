"""The record rules: every setting that decides what a record means once loaded.

A record's stored metadata depends on these and nothing else, so the build state keeps
the records it parsed for as long as :meth:`RecordRules.fingerprint` is unchanged: a new
feed title or an S3 header never makes feedpub parse a record again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, tzinfo
from functools import lru_cache
from urllib.parse import urlsplit

from feedpub.digest import digest_value
from feedpub.records.sanitise import HtmlAllow

__all__ = ["RecordRules"]

#: The largest max_record_bytes: lxml refuses a text node of 10,000,000 bytes or more, so a
#: bigger body could never be published, and would be refused with no record named.
RECORD_BYTES_CEILING = 8_000_000


@dataclass(frozen=True)
class RecordRules:
    """How records are read: the base for relative URLs, zones, and the bounds on one record."""

    #: The site's base URL: relative URLs in records resolve against it, ids are tagged with it.
    link: str
    #: The zone of dates written without an offset, and its name as configured.
    timezone: tzinfo = UTC
    timezone_name: str = "UTC"
    #: ``02/12/2022`` is 2 December (``False``: February 12).
    dayfirst: bool = True
    #: Extra zone abbreviations (upper case) to their zones.
    abbreviations: Mapping[str, tzinfo] = field(default_factory=dict)
    #: The calendar period of archive pages (``year`` ... ``day``) or ``None``: records
    #: store the period they fall in.
    archive: str | None = "month"
    # Bounds on the work one record may cause; a record over one is that record's error.
    max_categories: int = 20
    max_authors: int = 20
    max_attachments: int = 20
    max_record_bytes: int = 1_000_000
    #: Tags and attributes the site adds to the HTML allow-list (``[html_allow]``).
    html_allow: HtmlAllow = field(default_factory=HtmlAllow)

    @property
    def domain(self) -> str:
        """The site's host name, used in tag URIs."""
        return _host(self.link)

    def fingerprint(self) -> str:
        """A digest of these rules: records stored under another one are parsed again. Not
        ``archive``: a record's period is worked out again from what is stored (the state's
        ``repartition``)."""
        return digest_value(replace(self, archive=None))


@lru_cache(maxsize=16)
def _host(link: str) -> str:
    """The host name of ``link``: every record asks (its id's rule), splitting it once."""
    return urlsplit(link).hostname or ""
