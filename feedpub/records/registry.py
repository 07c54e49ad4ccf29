"""Where records can come from besides files: one table of row sources, keyed by URL scheme.

A row source is a class with ``connect(settings, rules)`` (a context manager yielding a
:class:`~feedpub.records.source.RecordSource`), usually a :class:`~feedpub.records.rows.RowSource`
subclass holding only its SQL and connection. Its driver is an optional extra: the class is
imported only when a config names its scheme, and a missing driver is one line saying which
extra to install. A new SQL source is its module and one line here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ROW_SOURCES", "RowSourceKind", "known_schemes"]


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
