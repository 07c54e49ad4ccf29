"""Where records can come from besides files: one table of row sources, keyed by URL scheme.

A row source is a class with ``connect(settings, rules)`` (a context manager yielding a
:class:`~feedpub.records.source.RecordSource`), usually a :class:`~feedpub.records.rows.RowSource`
subclass holding only its SQL and connection. Its driver is an optional extra: the class is
imported only when a config names its scheme, and a missing driver is one line saying which
extra to install. A new SQL source is its module and one line here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from feedpub.errors import ConfigError

__all__ = ["ROW_SOURCES", "RowSourceKind", "known_schemes", "row_source_class"]


@dataclass(frozen=True)
class RowSourceKind:
    """How to open one kind of database."""

    #: Shown in messages: "reading records from {name} needs ...".
    name: str
    #: The module and class that read it, imported only when it is used.
    module: str
    cls: str
    #: The top-level package of its driver, and the extra that installs it.
    driver: str
    extra: str


_POSTGRES = RowSourceKind(
    "PostgreSQL", "feedpub.records.postgres", "PostgresSource", "psycopg", "postgres"
)

#: Every row source by URL scheme.
ROW_SOURCES: dict[str, RowSourceKind] = {"postgresql": _POSTGRES, "postgres": _POSTGRES}


def known_schemes() -> str:
    """The schemes a ``source`` URL may have, for messages: ``postgresql://``."""
    return " or ".join(
        f"{scheme}://" for scheme in dict.fromkeys(ROW_SOURCES) if scheme != "postgres"
    )


def row_source_class(url: str) -> Any:
    """The class of the row source ``url``'s scheme names, its driver imported only now; a
    missing driver is a :class:`~feedpub.errors.ConfigError` naming the extra to install."""
    kind = ROW_SOURCES[urlsplit(url).scheme.lower()]
    try:
        return getattr(importlib.import_module(kind.module), kind.cls)
    except ImportError as exc:
        if exc.name is None or not exc.name.startswith(kind.driver):
            raise
        raise ConfigError(
            f"reading records from {kind.name} needs {kind.driver}: "
            f"pip install 'feedpub[{kind.extra}]'",
            key="source",
        ) from None
