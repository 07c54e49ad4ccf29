"""The site config: ``feedpub.toml``, read into a frozen :class:`SiteConfig`."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedpub.errors import ConfigError
from feedpub.model import Author
from feedpub.records.content import strip_xml_illegal
from feedpub.records.language import is_language_tag
from feedpub.records.urls import is_email, is_http_url
from feedpub.records.zones import zone_from_spec

__all__ = ["SiteConfig", "SourceConfig", "load_config", "redacted_url", "with_source_url"]

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class SourceConfig:
    """A database the records are read from: which rows, and which column holds which field."""

    #: ``postgresql://...``; ``None`` when only ``--source`` or ``FEEDPUB_SOURCE`` will give it.
    url: str | None
    #: The table (or view), maybe schema-qualified as ``schema.table``; ``None`` with ``query``.
    table: str | None = "articles"
    #: A SQL query whose rows are the records, in place of ``table``.
    query: str | None = None
    #: The change column: every edit of a row must change it (``None``: digest the whole row).
    changed: str | None = "updated_at"
    #: Record contract field to column name, for every field whose column is named otherwise.
    columns: Mapping[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The column that holds record field ``name``."""
        return self.columns.get(name, name)


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
    #: Where the records come from when not from files: a database (``source``, ``[source]``).
    source: SourceConfig | None = None

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
    "source",
}
SOURCE_KEYS = {"url", "table", "query", "changed", "columns"}


def _source(raw: Mapping[str, Any], path: str) -> SourceConfig | None:
    """``source = "postgresql://..."``, or a ``[source]`` table (TOML cannot hold both)."""
    value = raw.get("source")
    if value is None:
        return None
    if isinstance(value, str):
        return SourceConfig(url=_source_url(value, path, "source"))
    if not isinstance(value, dict):
        raise ConfigError(
            "must be a postgresql:// URL or a [source] table", path=path, key="source"
        )
    unknown = set(value) - SOURCE_KEYS
    if unknown:
        raise ConfigError(
            f"unknown key (known keys: {', '.join(sorted(SOURCE_KEYS))})",
            path=path,
            key="source." + sorted(unknown)[0],
        )
    where = f"{path}: source"
    url = _require(value, "url", str, where, optional=True)
    table = _require(value, "table", str, where, optional=True)
    query = _require(value, "query", str, where, optional=True)
    if table is not None and query is not None:
        raise ConfigError("give table or query, not both", path=path, key="source.query")
    changed = value.get("changed", "updated_at")
    if changed is not False:
        changed = _require(value, "changed", str, where, optional=True) or "updated_at"
    columns = _require(value, "columns", dict, where, optional=True) or {}
    from feedpub.records.loader import KNOWN_FIELDS

    for name, column in columns.items():
        if name not in KNOWN_FIELDS:
            raise ConfigError(
                f"not a record field (fields: {', '.join(sorted(KNOWN_FIELDS))})",
                path=path,
                key=f"source.columns.{name}",
            )
        if not isinstance(column, str) or not column.strip():
            raise ConfigError(
                "must be a column name string", path=path, key=f"source.columns.{name}"
            )
    return SourceConfig(
        url=None if url is None else _source_url(url, path, "source.url"),
        table=None if query is not None else (table or "articles"),
        query=query,
        changed=changed or None,
        columns=dict(columns),
    )


def _source_url(value: str, path: str | None, key: str) -> str:
    if urlsplit(value.strip()).scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"must be a postgresql:// URL, not {redacted_url(value)!r}", path=path, key=key
        )
    return value.strip()


def redacted_url(url: str) -> str:
    """A URL as it may be shown: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def with_source_url(config: SiteConfig, url: str) -> SiteConfig:
    """``config`` reading its records from the database at ``url`` (``--source``,
    ``FEEDPUB_SOURCE``), with the ``[source]`` table's mapping if it has one."""
    checked = _source_url(url, None, "--source")
    source = config.source or SourceConfig(url=None)
    return replace(config, source=replace(source, url=checked))


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
        source=_source(raw, path),
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
