"""Finding and reading article records: files to typed, checked ``Article`` values.

The stage's entry points: :func:`find_record_files` (the walk) and
:func:`parse_file` (one file's bytes to articles, errors and warnings). The
other modules are the checks they share: dates and zones, bodies (and their
sanitising, in ``sanitise``), categories, URLs and language tags.

The loader (and the date parsers and sanitiser it needs) is imported only when a
name from it is first asked for: a build in which nothing changed never parses
a record, and its start is a tenth of its time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedpub.records.walk import RECORD_SUFFIXES, find_record_files

if TYPE_CHECKING:
    from feedpub.records.loader import FileRecords, parse_file, parse_record

__all__ = ["RECORD_SUFFIXES", "FileRecords", "find_record_files", "parse_file", "parse_record"]

_FROM_LOADER = ("FileRecords", "parse_file", "parse_record")


def __getattr__(name: str) -> Any:
    if name in _FROM_LOADER:
        from feedpub.records import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
