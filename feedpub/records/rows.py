"""Records from rows of any SQL database: what is not one database's own.

A row source (:class:`RowSource`) lists its rows as ``(id, version)`` pairs in id
order and reads rows by id; everything else is here, once: each row is one
"file" ``name:id`` of the read stage, ids must be unique and present, a row's
values become the JSON record it stands for, and that record goes through the
record contract with every guard a file's record gets (nesting depth, values
JSON cannot hold, ``max_record_bytes``, the per-record limits). A bad row is that
row's error; every other row is still read.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from feedpub.digest import digest_text
from feedpub.errors import RecordError, SourceError
from feedpub.model import Article
from feedpub.records.contract import check_record
from feedpub.records.guards import unusable_json
from feedpub.records.listing import Listing
from feedpub.records.parse import ParsedFile, WantedRecord, record_rows
from feedpub.records.rules import RecordRules
from feedpub.records.walk import WalkProblem
from feedpub.records.zones import zone_from_spec

if TYPE_CHECKING:
    from feedpub.records.source import Loader

__all__ = ["RowSource", "Unusable", "guarded_json_loads", "json_value"]


class Unusable:
    """A column value the driver could not turn into Python (JSON nested past the recursion
    limit, a number with too many digits): the row's error, not the build's."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def guarded_json_loads(data: str | bytes) -> Any:
    """``json.loads`` for a driver to decode json columns with: JSON Python cannot hold
    becomes an :class:`Unusable` value, which the row reports, instead of an exception
    that would end the whole read."""
    try:
        return json.loads(data)
    except (RecursionError, ValueError) as exc:
        return Unusable(unusable_json(exc))


class RowSource:
    """The read stage's source for rows (see the module docstring).

    A subclass sets :attr:`name` (the location prefix, the table as named), :attr:`url`
    (shown in messages, without a password) and :attr:`id_column`, and provides
    :meth:`_listed`, :meth:`_rows` and ``listing_digest`` and ``lock``.
    """

    name: str
    url: str
    id_column: str

    def __init__(self, rules: RecordRules) -> None:
        self.rules = rules

    # -- what a database answers -----------------------------------------------------------

    def _listed(self) -> Iterator[tuple[str | None, int | None]]:
        """Every row's ``(id as text, version)``, in id order by bytes (as Python's strings
        sort) where the database can; another order is sorted here."""
        raise NotImplementedError

    def _rows(self, keys: Sequence[str]) -> Iterator[tuple[str, int, list[str], Sequence[Any]]]:
        """``(id, version, field names, values)`` for the rows with these ids, in id order."""
        raise NotImplementedError

    # -- the read stage ------------------------------------------------------------------

    def _key(self, relative: str) -> str:
        return relative[len(self.name) + 1 :]

    def shown(self, relative: str) -> str:
        """A row's location, ``name:id``, is its path."""
        return relative

    def skipped(self) -> list[WalkProblem]:
        """A query sees every row it can read: nothing is skipped."""
        return []

    def listing(self, *, parallel: bool) -> Listing:
        """Every row as ``(name:id, 0, version)``, sorted by path; ids must be unique.

        Built as the rows stream in, never held as a million tuples, unless the database's
        order is not Python's (then the rows are sorted here).
        """
        found = Listing()
        prefix = self.name + ":"
        before: str | None = None
        unordered: list[tuple[str, int, int]] | None = None
        for key, version in self._listed():
            if key is None:
                raise SourceError(
                    f"{self.url} ({self.name})",
                    f"a row has no {self.id_column} (NULL): every row needs a unique id",
                )
            if key == before:
                raise self._not_unique(key)
            entry = (prefix + key, 0, version or 0)
            if unordered is None and before is not None and key < before:
                unordered = list(found)
            if unordered is not None:
                unordered.append(entry)
            else:
                found.append(*entry)
            before = key
        if unordered is None:
            return found
        unordered.sort()
        for first, second in itertools.pairwise(unordered):
            if first[0] == second[0]:
                raise self._not_unique(self._key(second[0]))
        return Listing(unordered)

    def _not_unique(self, key: str) -> SourceError:
        return SourceError(
            f"{self.url} ({self.name})",
            f"{self.id_column} {key!r} is on more than one row: the id column must be unique",
        )

    def parse(self, files: Listing, rules: RecordRules, *, bodies: bool) -> Iterator[ParsedFile]:
        """Read the listed rows (metadata only, unless ``bodies``) and check each as a record."""
        keys = [self._key(relative) for relative, _, _ in files]
        for key, version, names, values in self._rows(keys):
            yield self._parsed(key, version, names, values, rules, bodies)

    def loader(self, rules: RecordRules) -> Loader | None:
        """None: the rows are read on this source's one connection, by :meth:`load` (a source
        whose server can share its snapshot with other sessions gives one reading in it)."""
        return None

    def load(self, rules: RecordRules, wanted: Iterable[WantedRecord]) -> dict[int, Article]:
        """The full articles of ``wanted`` rows, by key (one changed since, with another digest,
        is left out)."""
        by_key: dict[str, list[WantedRecord]] = {}
        for record in wanted:
            by_key.setdefault(self._key(record.path), []).append(record)
        loaded: dict[int, Article] = {}
        for key, _, names, values in self._rows(sorted(by_key)):
            raw, errors = self._record(key, names, values, rules)
            if errors:
                continue
            checked = check_record(raw, rules, path=self.name + ":" + key, clean=None)
            article = checked.article
            for want in by_key.get(key, ()):
                if article is not None and (article.id, checked.digest) == (want.id, want.digest):
                    loaded[want.key] = article
        return loaded

    def _parsed(
        self,
        key: str,
        version: int,
        names: list[str],
        values: Sequence[Any],
        rules: RecordRules,
        bodies: bool,
    ) -> ParsedFile:
        path = self.name + ":" + key
        record, errors = self._record(key, names, values, rules)
        if errors:
            return ParsedFile(path, 0, version, digest_text(*map(str, errors)), [], 1, errors, [])
        checked = check_record(record, rules, path=path, bodies=bodies, clean=None)
        articles = [checked.article] if checked.article is not None else []
        digest = checked.digest or digest_text(*map(str, checked.errors))
        rows = record_rows(articles, [digest] * len(articles), rules)
        return ParsedFile(path, 0, version, digest, rows, 1, checked.errors, checked.warnings)

    def _record(
        self, key: str, names: list[str], values: Sequence[Any], rules: RecordRules
    ) -> tuple[dict[str, Any], list[RecordError]]:
        """A row as the JSON record it stands for (NULL is an absent field), or the errors of
        the values it holds that Python could not hold."""
        raw = dict(zip(names, values, strict=True))
        errors = [
            RecordError(unusable.reason, path=self.name + ":" + key, record=key, field=name)
            for name, value in raw.items()
            for unusable in _unusable(value)
        ]
        if errors:
            return {}, errors
        zone = rules.timezone
        zone_name = raw.get("timezone")
        if isinstance(zone_name, str):
            with suppress(ValueError):  # the contract reports the bad zone
                zone = zone_from_spec(zone_name)
        record = {name: json_value(value, zone) for name, value in raw.items() if value is not None}
        return record, []


def _unusable(value: Any) -> list[Unusable]:
    """The first value Python could not hold in a column's value (or its array), if any."""
    if isinstance(value, Unusable):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Unusable)][:1]
    return []


def json_value(value: Any, zone: tzinfo) -> Any:
    """A column value as JSON would hold it: text, numbers and booleans as they are, json as
    decoded, arrays as lists, a ``timestamptz`` as ISO 8601 in ``zone``, a timestamp without
    zone or a date as ISO 8601 without an offset."""
    if type(value) in _AS_IS:  # the common case: text, and what json/jsonb decoded to
        return value
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        if all(type(item) in _AS_IS for item in value):
            return list(value)
        return [json_value(item, zone) for item in value]
    return value


_AS_IS = frozenset({str, int, float, bool, dict})
