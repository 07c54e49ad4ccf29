"""The PostgreSQL source's own settings: which rows, which column holds which field.

A small frozen value and its checks, read from ``source = "postgresql://..."`` or a
``[source]`` table. This module imports no database driver: the config reads it on
every run, the driver is loaded only by :mod:`feedpub.records.postgres`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from feedpub.errors import ConfigError
from feedpub.records.fields import KNOWN_FIELDS
from feedpub.records.registry import ROW_SOURCES, known_schemes
from feedpub.records.urls import redacted_url

__all__ = ["SOURCE_KEYS", "PostgresSettings", "postgres_settings", "source_url"]

#: The keys of a ``[source]`` table.
SOURCE_KEYS = frozenset({"url", "table", "query", "changed", "columns"})


@dataclass(frozen=True)
class PostgresSettings:
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

    def with_url(self, url: str, key: str = "--source") -> PostgresSettings:
        """These settings reading the database at ``url`` (``--source``, ``FEEDPUB_SOURCE``)."""
        return replace(self, url=source_url(url, None, key))


def postgres_settings(value: Any, path: str | None) -> PostgresSettings | None:
    """The settings ``source`` (a URL) or a ``[source]`` table gives, checked; ``None`` when
    there is neither. A mistake is a :class:`~feedpub.errors.ConfigError` naming the key."""
    if value is None:
        return None
    if isinstance(value, str):
        return PostgresSettings(url=source_url(value, path, "source"))
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
    url = _member(value, "url", str, path)
    table = _member(value, "table", str, path)
    query = _member(value, "query", str, path)
    if table is not None and query is not None:
        raise ConfigError("give table or query, not both", path=path, key="source.query")
    changed = value.get("changed", "updated_at")
    if changed is not False:
        changed = _member(value, "changed", str, path) or "updated_at"
    columns = _member(value, "columns", dict, path) or {}
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
    return PostgresSettings(
        url=None if url is None else source_url(url, path, "source.url"),
        table=None if query is not None else (table or "articles"),
        query=query,
        changed=changed or None,
        columns=dict(columns),
    )


def _member(table: Mapping[str, Any], name: str, kind: type, path: str | None) -> Any:
    """An optional member of the ``[source]`` table, checked to be of ``kind``."""
    value = table.get(name)
    if value is not None and not isinstance(value, kind):
        raise ConfigError(
            f"must be a {kind.__name__}, not {type(value).__name__} ({value!r})",
            path=path,
            key=f"source.{name}",
        )
    return value


def source_url(value: str, path: str | None, key: str) -> str:
    """``value`` as a database URL, checked to name a known row source (shown without its
    password when it does not)."""
    if urlsplit(value.strip()).scheme.lower() not in ROW_SOURCES:
        raise ConfigError(
            f"must be a {known_schemes()} URL, not {redacted_url(value)!r}", path=path, key=key
        )
    return value.strip()
