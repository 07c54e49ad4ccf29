"""Stable identities: entry ids (RFC 4151 tag URIs) and the URLs of the feeds themselves."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

__all__ = ["entry_id", "feed_url", "is_absolute_iri", "is_http_url", "to_uri"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# RFC 4151 "specific": pchar / "/" / "?"; everything else is percent-encoded.
_TAG_SAFE = "/?:@!$&'()*+,;=-._~"


def is_absolute_iri(value: str) -> bool:
    """True for an IRI with a scheme (``tag:``, ``urn:``, ``https://``...) and no spaces."""
    if not _SCHEME.match(value) or any(c.isspace() for c in value):
        return False
    scheme, _, rest = value.partition(":")
    if scheme.lower() in ("http", "https"):
        return bool(urlsplit(value).hostname)
    return bool(rest)


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# Characters a URI may carry as they are (RFC 3986 reserved and unreserved) and "%", so that an
# existing percent-escape is kept rather than escaped twice.
_URI_SAFE = "/:@!$&'()*+,;=%~-._?#[]"


def to_uri(url: str) -> str:
    """An http(s) URL as readers need it: non-ASCII and spaces percent-encoded (RFC 3987
    section 3.1), a non-ASCII host in IDNA form. An ASCII URL comes back unchanged."""
    if url.isascii() and " " not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = parts.netloc
    if not host.isascii():
        netloc = netloc.replace(host, host.encode("idna").decode("ascii"))
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=_URI_SAFE),
            quote(parts.query, safe=_URI_SAFE),
            quote(parts.fragment, safe=_URI_SAFE),
        )
    )


def entry_id(record_id: str, published: datetime, domain: str) -> str:
    """The Atom id / RSS guid of a record, the same on every rebuild.

    A record id that is already an absolute IRI is used as it is; any other
    becomes ``tag:<domain>,<YYYY-MM-DD>:<record id>`` (RFC 4151), dated by
    the day of publication in the article's own offset.
    """
    if is_absolute_iri(record_id):
        return record_id
    day = published.strftime("%Y-%m-%d")
    return f"tag:{domain.lower()},{day}:{quote(record_id, safe=_TAG_SAFE)}"


def feed_url(feeds_url: str, term: str | None, filename: str) -> str:
    """The public URL of one output file (``rss.xml`` / ``atom.xml``), for self links."""
    relative = filename if term is None else f"category/{quote(term)}/{filename}"
    return urljoin(feeds_url, relative)
