"""Finding and reading article records: files to typed, checked ``Article`` values.

The stage's entry points: :func:`find_record_files` (the walk) and
:func:`parse_file` (one file's bytes to articles, errors and warnings). The
other modules are the checks they share: dates and zones, bodies (and their
sanitising, in ``sanitise``), categories, URLs and language tags.
"""

from __future__ import annotations

from feedpub.records.loader import FileRecords, parse_file, parse_record
from feedpub.records.walk import RECORD_SUFFIXES, find_record_files

__all__ = ["RECORD_SUFFIXES", "FileRecords", "find_record_files", "parse_file", "parse_record"]
