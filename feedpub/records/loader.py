"""Loading article records from files: JSON and JSON Lines framing, then the record contract.

A file holds one record (a JSON object), a list of them, or one per line
(``.jsonl``). Each record goes through :func:`feedpub.records.contract.check_record`,
as a database row does; a record that breaks the contract becomes a
:class:`RecordError` naming its file, line or record, and field; it is left out
and every other record is still loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from feedpub.digest import digest_bytes
from feedpub.errors import RecordError, RecordWarning
from feedpub.model import Article
from feedpub.records.contract import KNOWN_FIELDS, check_record, encode_record, parse_record
from feedpub.records.guards import (
    may_hold_xml_illegal,
    may_nest_deeply,
    nesting_exceeds,
    unusable_json,
)
from feedpub.records.rules import RecordRules
from feedpub.records.shape import decode_shaped

__all__ = ["KNOWN_FIELDS", "FileRecords", "may_hold_xml_illegal", "parse_file", "parse_record"]


@dataclass
class FileRecords:
    """What one record file yielded: its good articles, its errors and warnings."""

    path: str
    articles: list[Article] = field(default_factory=list)
    #: A content digest for each article (same order): it changes when the record's source does.
    digests: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)


def parse_file(
    data: bytes,
    relative: str,
    shown: str,
    rules: RecordRules,
    *,
    bodies: bool = True,
    wanted: Container[str] | None = None,
) -> FileRecords:
    """Parse the bytes of one record file (``relative`` is its path under the articles folder).

    ``wanted``: in a file of many records (a list, JSON Lines), the digests of the only ones
    to check and return; any other is skipped unchecked, its problems untold (a build reading
    the bodies its feeds show: the file's other records are not shown, or changed since).
    """
    result = FileRecords(shown)
    dirty = may_hold_xml_illegal(data)  # once per file: most files need no cleaning at all
    jsonl = relative.endswith(".jsonl")
    default_id = None if jsonl else relative.rsplit(".", 1)[0]

    def add(
        raw: Any,
        line: int | None,
        default_id: str | None,
        label: str | None,
        source: bytes | None,
        deep: bool,
    ) -> None:
        # A record of a list has no bytes of its own: the contract encodes it, to digest and
        # to measure it.
        if wanted is not None and default_id is None:  # one of many records in the file
            if deep and nesting_exceeds(raw):
                return  # no digest: never wanted
            source = encode_record(raw) if source is None else source
            if digest_bytes(source) not in wanted:
                return
        checked = check_record(
            raw,
            rules,
            path=shown,
            line=line,
            default_id=default_id,
            label=label,
            bodies=bodies,
            clean=dirty,
            source=source,
            deep=deep,
        )
        result.errors.extend(checked.errors)
        result.warnings.extend(checked.warnings)
        if checked.article is not None:
            result.articles.append(checked.article)
            result.digests.append(checked.digest)

    # Nearly every file is one record of the contract's shape: decoded in one typed pass,
    # which bounds its nesting too. One that needs cleaning goes the long way, where what is
    # cleaned is told in the file's own field order.
    if not jsonl and not dirty:
        shaped = decode_shaped(data)
        if shaped is not None:
            add(shaped, None, default_id, None, data, deep=False)
            return result

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.errors.append(RecordError(f"not UTF-8 text (byte {exc.start})", path=shown))
        return result
    deep = may_nest_deeply(data)  # once per file: a few brackets cannot nest deeply

    if jsonl:
        for number, line_text in enumerate(_lines(text), 1):
            if not line_text.strip():
                continue
            source = line_text.encode("utf-8")
            # A line's digest is of its bytes: one not wanted is skipped before it is parsed
            # (a feed's few records of a batch of thousands, read again for their bodies).
            if wanted is not None and digest_bytes(source) not in wanted:
                continue
            try:
                raw = json.loads(line_text)
            except json.JSONDecodeError as exc:
                result.errors.append(
                    RecordError(
                        f"not valid JSON: {exc.msg} (column {exc.colno})", path=shown, line=number
                    )
                )
                continue
            except (RecursionError, ValueError) as exc:
                result.errors.append(_unparsable(exc, shown, number))
                continue
            add(raw, number, None, None, source, deep)
        return result

    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        result.errors.append(
            RecordError(
                f"not valid JSON: {exc.msg} (column {exc.colno})", path=shown, line=exc.lineno
            )
        )
        return result
    except (RecursionError, ValueError) as exc:
        result.errors.append(_unparsable(exc, shown, None))
        return result
    if isinstance(document, list):
        for number, raw in enumerate(document, 1):
            # A list's records have no single default id: each needs its own.
            add(raw, None, None, f"#{number}", None, deep)
    else:
        add(document, None, default_id, None, data, deep)
    return result


# JSON Lines ends lines with \n (or \r\n; a lone \r too, as str.splitlines did): not with the
# other breaks splitlines knows (U+2028, U+0085...), which JSON strings may hold as they are.
_LINE_BREAK = re.compile("\r\n|\r|\n")


def _lines(text: str) -> list[str]:
    """``text`` split at its line breaks: at ``\\n`` alone, in C, when it has no ``\\r`` (a
    batch of a megabyte: 0.1 ms, where the pattern takes 3 ms)."""
    return _LINE_BREAK.split(text) if "\r" in text else text.split("\n")


def _unparsable(exc: RecursionError | ValueError, shown: str, line: int | None) -> RecordError:
    return RecordError(unusable_json(exc), path=shown, line=line)
