"""Records from PostgreSQL: one row, one record, checked exactly as a JSON record is.

Each row is one "file" of the read stage: its path is ``table:id`` (the
location messages give in place of ``path:line``), its mtime is its change
column and its hash a digest of the row. A sync costs what changed:

- a few numbers from the server tell whether anything changed since the last
  sync: the row count, the newest change and a hash of the ids and change
  values of the 1,000 most recently changed rows (an insert or an edit moves
  the newest change, a deletion the count, and an edit whose transaction
  committed late, with a change value older than the newest, still lands among
  the most recent). When they match, nothing else is read. With indexes on the
  id and the change column this costs the same at any size;
- otherwise the ``(id, change column)`` pairs are listed (this notices
  inserts, edits and deletions, and also catches up with any late edit the
  check missed), and only the rows whose change column moved are read in full.

Without a change column (``changed = false``) the check hashes every row's
``(id, digest of the row)`` on the server instead: correct, but it reads the
whole table on every run.

Everything a build reads comes from one ``REPEATABLE READ`` snapshot, so
bodies match the metadata read before them. Rows stream through server-side
(named) cursors: memory stays flat however many rows there are.

Values become what a JSON record would hold: text, numbers and booleans as
they are; ``json``/``jsonb`` as parsed; arrays as lists; a ``timestamptz``
as ISO 8601 in the record's ``timezone`` (else the site's), a ``timestamp``
or ``date`` as ISO 8601 without an offset (read in that zone, as a JSON date
without one is); NULL as an absent field.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from psycopg import sql

from feedpub.config import redacted_url
from feedpub.digest import digest_bytes
from feedpub.errors import ConfigError, SourceError
from feedpub.output.lock import advisory_lock
from feedpub.records.listing import Listing
from feedpub.records.loader import KNOWN_FIELDS, may_hold_xml_illegal, parse_record
from feedpub.records.parse import ParsedFile, WantedRecord, record_rows
from feedpub.records.walk import WalkProblem
from feedpub.records.zones import zone_from_spec

if TYPE_CHECKING:
    from feedpub.config import SiteConfig, SourceConfig
    from feedpub.model import Article

__all__ = ["PostgresSource", "site_lock_key"]


#: How many of the most recently changed rows the no-change check hashes (see the docstring).
RECENT_CHANGES = 1000
#: Rows fetched per round trip from a server-side cursor.
_ITERSIZE = 2000
#: Up to this many changed rows are fetched by id; more, by one ordered scan.
_BY_ID_MAX = 5000


def site_lock_key(link: str) -> int:
    """The advisory lock key of a site: a digest of its link, as a signed 64-bit integer."""
    digest = hashlib.sha256(b"feedpub build lock\0" + link.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostgresSource:
    """The rows of one table or query as records (see the module docstring)."""

    def __init__(
        self, connection: psycopg.Connection[Any], settings: SourceConfig, config: SiteConfig
    ) -> None:
        """Use an open (autocommit) connection; :meth:`connect` is the usual way in."""
        self._db = connection
        self._settings = settings
        self._config = config
        self._stack = ExitStack()
        self._snapshot = False
        #: The location prefix: the table as named, or "query".
        self.name = settings.table or "query"
        self.url = redacted_url(settings.url or "")
        query = _strip_query(settings.query or "")
        self._relation: sql.Composable = (
            sql.Identifier(*settings.table.split("."))
            if settings.table is not None
            else sql.SQL("({})").format(sql.SQL(query))
        )
        # The same in a statement with parameters, where a "%" of the query must be doubled.
        self._relation_with_params: sql.Composable = (
            self._relation
            if settings.table is not None
            else sql.SQL("({})").format(sql.SQL(query.replace("%", "%%")))
        )
        self._fields: list[tuple[str, str]] = []  # (record field, column), in select order
        self._id_column = ""
        self._id_type = ""
        self._version: sql.Composable = sql.SQL("0")
        #: The change column as a bigint, made on the server: a million Python datetimes cost
        #: seconds to build and convert, a million ints almost nothing.
        self._version_number: sql.Composable = sql.SQL("0")

    @classmethod
    @contextmanager
    def connect(cls, settings: SourceConfig, config: SiteConfig) -> Iterator[PostgresSource]:
        """Connect, check the mapping against the source's columns, yield; close at the end."""
        if settings.url is None:
            raise ConfigError(
                "no database URL: give source.url, FEEDPUB_SOURCE or --source", key="source.url"
            )
        shown = redacted_url(settings.url)
        try:
            connection = psycopg.connect(
                settings.url, autocommit=True, connect_timeout=10, application_name="feedpub"
            )
        except psycopg.Error as exc:
            raise SourceError(shown, f"cannot connect: {_first_line(exc)}") from None
        source = cls(connection, settings, config)
        try:
            with connection, source._stack:
                # The text of a timestamp (hashed by listing_digest) must not depend on the host.
                connection.execute("SET TIME ZONE 'UTC'")
                connection.execute("SET DateStyle = 'ISO, YMD'")
                source._describe()
                yield source
        except psycopg.Error as exc:
            raise SourceError(f"{shown} ({source.name})", _first_line(exc)) from None

    # -- the shape of the source ---------------------------------------------------------

    def _describe(self) -> None:
        """Match the mapping with the columns the source has; learn the id column's type."""
        settings = self._settings
        key = "source.table" if settings.table is not None else "source.query"
        try:
            cursor = self._db.execute(
                sql.SQL("SELECT * FROM {} AS q LIMIT 0").format(self._relation)
            )
        except (
            psycopg.errors.UndefinedTable,
            psycopg.errors.InvalidSchemaName,
            psycopg.errors.UndefinedColumn,
            psycopg.errors.SyntaxError,
        ) as exc:
            raise ConfigError(f"{self.name}: {_first_line(exc)}", key=key) from None
        described = {column.name: column.type_code for column in cursor.description or ()}
        for name in sorted(KNOWN_FIELDS):
            column = settings.column(name)
            if column in described:
                self._fields.append((name, column))
            elif name in settings.columns or name == "id":
                raise ConfigError(
                    f"{self.name} has no column {column!r} (columns: {', '.join(described)})",
                    key=f"source.columns.{name}",
                )
        self._id_column = settings.column("id")
        row = self._db.execute(
            "SELECT format_type(%s, NULL)", (described[self._id_column],)
        ).fetchone()
        self._id_type = str(row[0]) if row else "text"
        if settings.changed is None:
            # No change column: a digest of the whole row, computed on the server.
            self._version = sql.SQL("hashtextextended(q::text, 0)")
        elif settings.changed in described:
            self._version = sql.SQL("q.{}").format(sql.Identifier(settings.changed))
        else:
            raise ConfigError(
                f"{self.name} has no change column {settings.changed!r} (name it with"
                " source.changed, or set changed = false to digest every row on each run)",
                key="source.changed",
            )
        self._version_number = self._version
        if settings.changed is not None:
            row = self._db.execute(
                "SELECT format_type(%s, NULL)", (described[settings.changed],)
            ).fetchone()
            kind = str(row[0]) if row else ""
            if kind.startswith("timestamp") or kind == "date":
                template = "floor(extract(epoch FROM {}) * 1000000)::bigint"
            elif kind in ("smallint", "integer", "bigint"):
                template = "({})::bigint"
            else:
                template = "hashtextextended(({})::text, 0)"
            self._version_number = sql.SQL(template).format(self._version)

    def _read(self) -> None:
        """From the first read on, everything comes from one snapshot (taken after the lock)."""
        if not self._snapshot:
            self._db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self._db.read_only = True
            self._stack.enter_context(self._db.transaction())
            self._snapshot = True

    def _key(self, relative: str) -> str:
        return relative[len(self.name) + 1 :]

    # -- the read stage ------------------------------------------------------------------

    def shown(self, relative: str) -> str:
        """A row's location, ``table:id``, is its path."""
        return relative

    def listing_digest(self) -> str | None:
        """A few numbers from the server that change whenever the rows do (see the module
        docstring): the row count, the newest change and a hash of the newest changes."""
        self._read()
        names = {
            "id": sql.Identifier(self._id_column),
            "version": self._version,
            "relation": self._relation,
            "recent": sql.Literal(RECENT_CHANGES),
        }
        if self._settings.changed is None:
            # Row digests have no order: every row's (id, digest) goes into the hash.
            query = sql.SQL(
                "SELECT count(*), NULL, coalesce(bit_xor(hashtextextended("
                "q.{id}::text || ' ' || ({version})::text, 0)), 0) FROM {relation} AS q"
            )
        else:
            # With indexes on the id and the change column this reads two index ends and
            # RECENT_CHANGES index entries, however many rows there are.
            query = sql.SQL(
                "SELECT (SELECT count(*) FROM {relation} AS q), (SELECT max({version}) FROM"
                " {relation} AS q)::text, (SELECT coalesce(bit_xor(hashtextextended("
                "w.key || ' ' || coalesce(w.version::text, ''), 0)), 0) FROM (SELECT"
                " q.{id}::text AS key, {version} AS version FROM {relation} AS q"
                " ORDER BY {version} DESC, q.{id} LIMIT {recent}) AS w)"
            )
        row = self._db.execute(query.format(**names)).fetchone()
        count, newest, mixed = row if row else (0, None, 0)
        return f"postgresql:{self.name}:{count}:{newest}:{mixed}"

    def listing(self, *, parallel: bool) -> Listing:
        """Every row as ``(table:id, 0, version)``, sorted by path; ids must be unique."""
        self._read()
        found = Listing()
        prefix = self.name + ":"
        # Sorted by the server in byte order ("C"), which is the order of Python's strings: the
        # listing is built as it streams in, never held as a million tuples.
        query = sql.SQL(
            'SELECT q.{id}::text, {version} FROM {relation} AS q ORDER BY q.{id}::text COLLATE "C"'
        ).format(
            id=sql.Identifier(self._id_column),
            version=self._version_number,
            relation=self._relation,
        )
        before: str | None = None
        unordered: list[tuple[str, int, int]] | None = None
        with self._db.cursor(name="feedpub_listing") as cursor:
            cursor.execute(query)
            while batch := cursor.fetchmany(50000):
                for key, version in batch:
                    if key is None:
                        raise SourceError(
                            f"{self.url} ({self.name})",
                            f"a row has no {self._id_column} (NULL): every row needs a unique id",
                        )
                    if key == before:
                        raise self._not_unique(key)
                    entry = (prefix + key, 0, version or 0)
                    if unordered is None and before is not None and key < before:
                        # "C" order is byte order in the database's encoding: only UTF-8 (and
                        # Latin-1) give Python's order. Otherwise the rows are sorted here.
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
            f"{self._id_column} {key!r} is on more than one row: the id column must be unique",
        )

    def skipped(self) -> list[WalkProblem]:
        """A query sees every row it can read: nothing is skipped."""
        return []

    def parse(self, files: Listing, config: SiteConfig, *, bodies: bool) -> Iterator[ParsedFile]:
        """Read the listed rows (metadata only, unless ``bodies``) and check each as a record."""
        keys = [self._key(relative) for relative, _, _ in files]
        for key, version, record in self._rows(keys):
            yield self._parsed(key, version, record, config, bodies)

    def load(self, config: SiteConfig, wanted: Iterable[WantedRecord]) -> dict[int, Article]:
        """The full articles of ``wanted`` rows, by key, from the build's snapshot."""
        by_key: dict[str, list[WantedRecord]] = {}
        for record in wanted:
            by_key.setdefault(self._key(record.path), []).append(record)
        loaded: dict[int, Article] = {}
        for key, _, raw in self._rows(sorted(by_key)):
            source = json.dumps(raw, sort_keys=True, default=str).encode("ascii")
            article, _, _ = parse_record(
                raw, config, path=self.name + ":" + key, clean=may_hold_xml_illegal(source)
            )
            for want in by_key.get(key, ()):
                if article is not None and article.id == want.id:
                    loaded[want.key] = article
        return loaded

    def lock(self, state_dir: Path | None, wait: float) -> AbstractContextManager[None]:
        """A PostgreSQL advisory lock keyed by the site: one build at a time on every host."""
        return advisory_lock(
            self._db, site_lock_key(self._config.link), wait, f"{self.url} (advisory lock)"
        )

    # -- rows --------------------------------------------------------------------------------

    def _rows(self, keys: Sequence[str]) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """``(id, version, record)`` for the rows with these ids, in id order."""
        self._read()
        if not keys:
            return
        columns = sql.SQL(", ").join(
            sql.SQL("q.{}").format(sql.Identifier(column)) for _, column in self._fields
        )
        head = sql.SQL("SELECT q.{id}::text, {version}, {columns} FROM {relation} AS q")
        order = sql.SQL(" ORDER BY q.{}").format(sql.Identifier(self._id_column))
        if len(keys) > _BY_ID_MAX:
            # Many rows (a cold build): one ordered pass beats thousands of lookups.
            wanted: set[str] | None = set(keys)
            whole = head.format(
                id=sql.Identifier(self._id_column),
                version=self._version_number,
                columns=columns,
                relation=self._relation,
            )
            batches: list[tuple[sql.Composed, list[Any] | None]] = [(whole + order, None)]
        else:
            wanted = None
            by_id = head.format(
                id=sql.Identifier(self._id_column),
                version=self._version_number,
                columns=columns,
                relation=self._relation_with_params,
            )
            where = sql.SQL(" WHERE q.{} = ANY(%s::{}[])").format(
                sql.Identifier(self._id_column), sql.SQL(self._id_type)
            )
            batches = [
                (by_id + where + order, [list(keys[i : i + 1000])])
                for i in range(0, len(keys), 1000)
            ]
        names = [name for name, _ in self._fields]
        for query, params in batches:
            with self._db.cursor(name="feedpub_rows") as cursor:
                cursor.itersize = _ITERSIZE
                cursor.execute(query, params)
                for row in cursor:
                    key = row[0]
                    if wanted is not None and key not in wanted:
                        continue
                    yield key, row[1] or 0, self._record(names, row[2:])

    def _record(self, names: list[str], values: Sequence[Any]) -> dict[str, Any]:
        """A row as the JSON record it stands for: NULL is an absent field."""
        raw = dict(zip(names, values, strict=True))
        zone = self._config.timezone
        zone_name = raw.get("timezone")
        if isinstance(zone_name, str):
            with suppress(ValueError):  # the loader reports the bad zone
                zone = zone_from_spec(zone_name)
        return {name: _json_value(value, zone) for name, value in raw.items() if value is not None}

    def _parsed(
        self, key: str, version: int, record: dict[str, Any], config: SiteConfig, bodies: bool
    ) -> ParsedFile:
        path = self.name + ":" + key
        # ASCII JSON: every character XML cannot carry shows as an escape the loader's cheap test
        # finds, so most rows skip the cleaning pass, as most files do.
        source = json.dumps(record, sort_keys=True, default=str).encode("ascii")
        digest = digest_bytes(source)
        article, errors, warnings = parse_record(
            record, config, path=path, bodies=bodies, clean=may_hold_xml_illegal(source)
        )
        articles = [article] if article is not None else []
        rows = record_rows(articles, [digest] * len(articles), self._config)
        return ParsedFile(path, 0, version, digest, rows, 1, errors, warnings)


def _strip_query(query: str) -> str:
    return query.strip().rstrip(";").strip()


def _json_value(value: Any, zone: tzinfo) -> Any:
    """A column value as JSON would hold it."""
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
        return [_json_value(item, zone) for item in value]
    return value


_AS_IS = frozenset({str, int, float, bool, dict})
