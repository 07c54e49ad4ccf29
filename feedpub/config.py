"""The site config: ``feedpub.toml``, read into a frozen :class:`SiteConfig`."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedpub.errors import ConfigError
from feedpub.model import Author, Format
from feedpub.records.content import strip_xml_illegal
from feedpub.records.language import is_language_tag
from feedpub.records.periods import ARCHIVE_PERIODS
from feedpub.records.urls import is_email, is_http_url
from feedpub.records.zones import zone_from_spec

__all__ = ["SiteConfig", "load_config"]

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class SiteConfig:
    """Everything feedpub needs to know about the site it publishes for."""

    title: str
    link: str
    description: str
    timezone: tzinfo
    timezone_name: str
    language: str | None = None
    author: Author | None = None
    limit: int = DEFAULT_LIMIT
    dayfirst: bool = True
    feeds_url: str = ""
    abbreviations: Mapping[str, tzinfo] = field(default_factory=dict)
    #: A digest of the config's meaning, so cached feeds are re-rendered when it changes.
    fingerprint: str = ""
    # -- output formats, WebSub hubs, RFC 5005 archives (see _syndication_options) --
    #: The formats every feed is published in, in this order.
    formats: tuple[Format, ...] = ("rss", "atom", "json")
    #: WebSub hubs told of every changed subscription document (absolute http(s) URLs).
    hubs: tuple[str, ...] = ()
    #: The calendar period of an RFC 5005 archive page (``year`` ... ``day``), or ``None``: off.
    archive: str | None = "month"
    #: Whether category feeds are archived too, or only the site feed.
    archive_categories: bool = True

    @property
    def domain(self) -> str:
        """The site's host name, used in tag URIs."""
        return urlsplit(self.link).hostname or ""


def _require(
    raw: Mapping[str, Any], key: str, kind: type, path: str, *, optional: bool = False
) -> Any:
    if key not in raw:
        if optional:
            return None
        raise ConfigError(
            f"required key is missing (expected a {kind.__name__})", path=path, key=key
        )
    value = raw[key]
    # bool is an int subclass: do not let `limit = true` pass as a number.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(
            f"must be a {kind.__name__}, not {type(value).__name__} ({value!r})", path=path, key=key
        )
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError("must not be empty", path=path, key=key)
        if strip_xml_illegal(value)[1]:
            raise ConfigError(
                "holds a control character, which no feed can carry", path=path, key=key
            )
    return value


def _absolute_url(value: str, path: str, key: str) -> str:
    if not is_http_url(value):
        raise ConfigError(f"must be an absolute http(s) URL, not {value!r}", path=path, key=key)
    return value if value.endswith("/") else value + "/"


def _author(raw: Mapping[str, Any], path: str) -> Author | None:
    value = raw.get("author")
    if value is None:
        return None
    if isinstance(value, str):
        return Author(name=_require(raw, "author", str, path).strip())
    if not isinstance(value, dict):
        raise ConfigError(
            "must be a name string or a table with name/email/url", path=path, key="author"
        )
    unknown = set(value) - {"name", "email", "url"}
    if unknown:
        raise ConfigError(
            f"unknown author key(s): {', '.join(sorted(unknown))}", path=path, key="author"
        )
    name = _require(value, "name", str, f"{path}: author").strip()
    email = _require(value, "email", str, f"{path}: author", optional=True)
    if email is not None and not is_email(email.strip()):
        raise ConfigError("must be an email address", path=path, key="author.email")
    url = _require(value, "url", str, f"{path}: author", optional=True)
    if url is not None and not is_http_url(url.strip()):
        raise ConfigError(
            f"must be an absolute http(s) URL, not {url!r}", path=path, key="author.url"
        )
    return Author(
        name=name, email=email.strip() if email else None, url=url.strip() if url else None
    )


KNOWN_KEYS = {
    "title",
    "link",
    "description",
    "language",
    "timezone",
    "author",
    "limit",
    "dayfirst",
    "feeds_url",
    "timezone_abbreviations",
}
#: Keys read by :func:`_syndication_options`.
SYNDICATION_KEYS = {"formats", "hubs", "archive", "archive_categories"}
KNOWN_KEYS |= SYNDICATION_KEYS
ALL_FORMATS: tuple[Format, ...] = ("rss", "atom", "json")


def _syndication_options(raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The keys of the output formats, WebSub and archives, as :class:`SiteConfig` fields.

    Kept apart from :func:`parse_config` so that they move as one piece.
    """
    formats = _require(raw, "formats", list, path, optional=True)
    if formats is None:
        formats = list(ALL_FORMATS)
    if not formats:
        raise ConfigError(
            f"needs at least one format (of {', '.join(ALL_FORMATS)})", path=path, key="formats"
        )
    for value in formats:
        if value not in ALL_FORMATS:
            raise ConfigError(
                f"unknown format {value!r} (known: {', '.join(ALL_FORMATS)})",
                path=path,
                key="formats",
            )
    hubs = _require(raw, "hubs", list, path, optional=True) or []
    for hub in hubs:
        if not isinstance(hub, str) or not is_http_url(hub):
            raise ConfigError(
                f"each hub must be an absolute http(s) URL, not {hub!r}", path=path, key="hubs"
            )
    archive = _require(raw, "archive", str, path, optional=True) or "month"
    if archive not in (*ARCHIVE_PERIODS, "off"):
        raise ConfigError(
            f"must be one of {', '.join(ARCHIVE_PERIODS)} or off, not {archive!r}",
            path=path,
            key="archive",
        )
    archive_categories = _require(raw, "archive_categories", bool, path, optional=True)
    return {
        "archive": None if archive == "off" else archive,
        "archive_categories": True if archive_categories is None else archive_categories,
        # Listed in a fixed order, once each, whatever order the config names them in.
        "formats": tuple(f for f in ALL_FORMATS if f in formats),
        # A hub is told once per feed, even when the config lists it twice.
        "hubs": tuple(dict.fromkeys(hubs)),
    }


def parse_config(raw: Mapping[str, Any], path: str) -> SiteConfig:
    """Turn a parsed TOML table into a :class:`SiteConfig`, raising :class:`ConfigError`."""
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"unknown key (known keys: {', '.join(sorted(KNOWN_KEYS))})",
            path=path,
            key=sorted(unknown)[0],
        )
    title = _require(raw, "title", str, path).strip()
    link = _absolute_url(_require(raw, "link", str, path).strip(), path, "link")
    description = _require(raw, "description", str, path).strip()
    language = _require(raw, "language", str, path, optional=True)
    if language is not None and not is_language_tag(language.strip()):
        raise ConfigError(
            f"must be a BCP 47 language tag like 'id' or 'en-US', not {language!r}",
            path=path,
            key="language",
        )
    zone_name = _require(raw, "timezone", str, path, optional=True) or "UTC"
    try:
        zone = zone_from_spec(zone_name)
    except ValueError as exc:
        raise ConfigError(str(exc), path=path, key="timezone") from None
    limit = _require(raw, "limit", int, path, optional=True)
    if limit is None:
        limit = DEFAULT_LIMIT
    if limit < 1:
        raise ConfigError(f"must be at least 1, not {limit}", path=path, key="limit")
    dayfirst = _require(raw, "dayfirst", bool, path, optional=True)
    feeds_url = _require(raw, "feeds_url", str, path, optional=True)
    feeds_url = _absolute_url(feeds_url.strip(), path, "feeds_url") if feeds_url else link
    table = _require(raw, "timezone_abbreviations", dict, path, optional=True) or {}
    abbreviations: dict[str, tzinfo] = {}
    for name, spec in table.items():
        key = f"timezone_abbreviations.{name}"
        if not isinstance(spec, str) or not name.isalpha():
            raise ConfigError(
                "must map a letters-only abbreviation to an IANA zone or offset string",
                path=path,
                key=key,
            )
        try:
            abbreviations[name.upper()] = zone_from_spec(spec)
        except ValueError as exc:
            raise ConfigError(str(exc), path=path, key=key) from None
    fingerprint = hashlib.sha256(
        json.dumps(dict(raw), sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return SiteConfig(
        title=title,
        link=link,
        description=description,
        timezone=zone,
        timezone_name=zone_name,
        language=language.strip() if language else None,
        author=_author(raw, path),
        limit=limit,
        dayfirst=True if dayfirst is None else dayfirst,
        feeds_url=feeds_url,
        abbreviations=abbreviations,
        fingerprint=fingerprint,
        **_syndication_options(raw, path),
    )


def load_config(path: Path) -> SiteConfig:
    """Read and check ``feedpub.toml``; every problem is a :class:`ConfigError` naming the key."""
    shown = str(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            "config file not found (create feedpub.toml or pass --config FILE)", path=shown
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=shown) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=shown) from None
    return parse_config(raw, shown)
