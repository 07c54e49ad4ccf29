"""The checks of one raw record's values, collecting every problem instead of stopping at
the first; the record contract (:mod:`feedpub.records.contract`) runs them field by field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from feedpub.errors import DateError, RecordError, RecordWarning
from feedpub.model import Attachment, Author, Category
from feedpub.records.categories import slugify
from feedpub.records.dates import parse_date
from feedpub.records.guards import unwrap_cdata
from feedpub.records.language import is_language_tag
from feedpub.records.rules import RecordRules
from feedpub.records.urls import PLAIN_HTTP_URL, is_email, is_http_url, to_uri
from feedpub.records.zones import zone_from_spec

__all__ = ["Record", "kind_of"]

# A media type as RFC 6838 spells one (type/subtype, then parameters), as RSS's enclosure
# type pattern accepts it: a URL or a path is no media type.
_MEDIA_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:;\S*)?"
)


def kind_of(value: Any) -> str:
    """What a JSON value is, as a message names it."""
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


class Record:
    """One raw record under check: its values so far, its errors and warnings."""

    def __init__(self, raw: Mapping[str, Any], rules: RecordRules, where: dict[str, Any]) -> None:
        self.raw = raw
        self.rules = rules
        self.where = where
        #: The checked value of each field given, by name.
        self.values: dict[str, Any] = {}
        #: The zone of dates written without an offset: the record's own, else the site's.
        self.zone: tzinfo = rules.timezone
        self.errors: list[RecordError] = []
        self.warnings: list[RecordWarning] = []

    def error(self, name: str, reason: str) -> None:
        self.errors.append(RecordError(reason, field=name, **self.where))

    def warn(self, name: str, reason: str) -> None:
        self.warnings.append(RecordWarning(reason, field=name, **self.where))

    def text(self, name: str, value: Any, *, required: bool = False) -> str | None:
        if not isinstance(value, str):
            self.error(name, f"must be a string, not {kind_of(value)}")
            return None
        if required and not value.strip():
            self.error(name, "must not be empty")
            return None
        return value

    def url(self, name: str, value: Any, base: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(name, f"must be a non-empty URL string, not {kind_of(value)}")
            return None
        if PLAIN_HTTP_URL.match(value):  # the common case, without urllib's cost
            return value
        try:
            absolute = to_uri(urljoin(base, value.strip()))
        except ValueError:  # urllib's word for a malformed URL, such as an unclosed "["
            absolute = ""
        if not is_http_url(absolute):
            self.error(
                name, f"must be an http(s) URL, absolute or relative to the site, not {value!r}"
            )
            return None
        return absolute

    def set_zone(self, value: Any) -> None:
        try:
            if not isinstance(value, str):
                raise ValueError(f"must be an IANA zone name string, not {kind_of(value)}")
            self.zone = zone_from_spec(value)
        except ValueError as exc:
            self.error("timezone", str(exc))

    def date(self, name: str, value: Any) -> datetime | None:
        try:
            return parse_date(
                value,
                default_tz=self.zone,
                dayfirst=self.rules.dayfirst,
                abbreviations=self.rules.abbreviations,
            )
        except DateError as exc:
            self.errors.append(exc.located(field=name, **self.where))
            return None

    def language(self, name: str, value: Any) -> str | None:
        language = self.text(name, value)
        if language is not None and not is_language_tag(language):
            self.error(
                name, f"must be a BCP 47 language tag like 'id' or 'en-US', not {language!r}"
            )
        return language

    def authors(self, value: Any) -> tuple[Author, ...]:
        if not isinstance(value, list):
            self.error("authors", f"must be a list, not {kind_of(value)}")
            return ()
        authors = []
        for number, item in enumerate(value, 1):
            name = f"authors[{number}]"
            if isinstance(item, str) and item.strip():
                authors.append(_named_author(item))
            elif isinstance(item, dict) and any(
                isinstance(item.get(k), str) for k in ("name", "email", "url")
            ):
                bad = [
                    k
                    for k, v in item.items()
                    if k in ("name", "email", "url") and not isinstance(v, str)
                ]
                if bad:
                    self.error(f"{name}.{bad[0]}", "must be a string")
                    continue
                email = item.get("email")
                if email is not None and not is_email(email.strip()):
                    ends_link = any(c in email for c in "/?#")
                    why = " ('/', '?' and '#' would end its mailto: link)" if ends_link else ""
                    self.error(f"{name}.email", f"must be an email address, not {email!r}{why}")
                    continue
                url = item.get("url")
                if url is not None:
                    url = self.url(f"{name}.url", url, self.rules.link)
                    if url is None:
                        continue
                authors.append(
                    Author(name=_stripped(item.get("name")), email=_stripped(email), url=url)
                )
            else:
                self.error(name, 'must be a name string or an object with "name", "email" or "url"')
        return tuple(authors)

    def categories(self, value: Any) -> tuple[Category, ...]:
        if not isinstance(value, list):
            self.error("categories", f"must be a list, not {kind_of(value)}")
            return ()
        by_term: dict[str, Category] = {}
        for number, item in enumerate(value, 1):
            name = f"categories[{number}]"
            if isinstance(item, str) and item.strip():
                category = _labelled_category(item)
            elif isinstance(item, dict):
                term, label, scheme = item.get("term"), item.get("label"), item.get("scheme")
                if not isinstance(term, str) or not term.strip():
                    self.error(f"{name}.term", "is required and must be a non-empty string")
                    continue
                if label is not None and (not isinstance(label, str) or not label.strip()):
                    self.error(f"{name}.label", "must be a non-empty string")
                    continue
                if scheme is not None:
                    scheme = self.url(f"{name}.scheme", scheme, self.rules.link)
                    if scheme is None:
                        continue
                shown = " ".join(str(label or term).split())
                category = Category(term=slugify(term), label=shown, scheme=scheme)
            else:
                self.error(name, 'must be a non-empty string or an object with "term"')
                continue
            by_term.setdefault(category.term, category)
        return tuple(by_term.values())

    def attachments(self, value: Any, base: str) -> tuple[Attachment, ...]:
        if not isinstance(value, list):
            self.error("attachments", f"must be a list, not {kind_of(value)}")
            return ()
        found = []
        for number, item in enumerate(value, 1):
            name = f"attachments[{number}]"
            if not isinstance(item, dict):
                self.error(name, "must be an object with url and mime_type")
                continue
            url = self.url(f"{name}.url", item.get("url"), base)
            mime = item.get("mime_type")
            if not isinstance(mime, str) or not _MEDIA_TYPE.fullmatch(mime):
                self.error(f"{name}.mime_type", "is required, as a media type like audio/mpeg")
                continue
            size = item.get("size_in_bytes")
            if size is not None and (
                isinstance(size, bool) or not isinstance(size, int) or size < 0
            ):
                self.error(f"{name}.size_in_bytes", "must be a whole number of bytes, 0 or more")
                continue
            title = item.get("title")
            if title is not None and not isinstance(title, str):
                self.error(f"{name}.title", "must be a string")
                continue
            if url is not None:
                found.append(Attachment(url=url, mime_type=mime, size_in_bytes=size, title=title))
        return tuple(found)

    # -- guards against hostile records (issue 11): bounded work, text every feed can carry --

    def within_limits(self) -> bool:
        """False (with an error per field) when a list holds more items than the rules allow:
        each category plans two feeds, so one record must not plan thousands."""
        fine = True
        for name, limit, key in (
            ("categories", self.rules.max_categories, "max_categories"),
            ("authors", self.rules.max_authors, "max_authors"),
            ("attachments", self.rules.max_attachments, "max_attachments"),
        ):
            value = self.raw.get(name)
            if isinstance(value, list) and len(value) > limit:
                self.error(
                    name,
                    f"has {len(value)} items, more than {key} ({limit}) allows; keep the"
                    f" {limit} that matter, or raise {key} in feedpub.toml",
                )
                fine = False
        return fine

    def unwrapped(self, name: str, value: str | None) -> str | None:
        """``value`` without a CDATA wrapper (a warning says so); an unclosed one is an error."""
        if value is None:
            return None
        unwrapped = unwrap_cdata(value)
        if unwrapped is None:
            self.error(name, "begins with '<![CDATA[' that is never closed; remove the marker")
            return None
        text, changed = unwrapped
        if changed:
            self.warn(name, "was wrapped in '<![CDATA[ ... ]]>': published without the markers")
        return text


# A site's records share a few hundred author names and category labels: each value is made
# once per process (they are frozen), not once per record.


@lru_cache(maxsize=4096)
def _named_author(item: str) -> Author:
    """The author a non-blank name string credits."""
    return Author(name=item.strip())


@lru_cache(maxsize=4096)
def _labelled_category(item: str) -> Category:
    """The category a non-blank label string names."""
    text = " ".join(item.split())
    return Category(term=slugify(text), label=text)


def _stripped(value: str | None) -> str | None:
    """A text value without surrounding white space; ``None`` when nothing is left."""
    return value.strip() or None if value is not None else None
