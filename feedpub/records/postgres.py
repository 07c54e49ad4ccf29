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
(named) cursors: memory stays flat however many rows there are. The render
workers read the bodies they show on connections of their own
(:class:`PostgresLoader`), in that same snapshot: the build's session exports
it (``pg_export_snapshot``) and each worker's transaction takes it (``SET
TRANSACTION SNAPSHOT``), as ``pg_dump --jobs`` does; a server that cannot
export one (a standby) has the build's session read them, as before.

Values become what a JSON record would hold (:func:`feedpub.records.rows.json_value`),
and each row goes through the record contract with a file's guards; that, the ids'
uniqueness and the listing are :class:`~feedpub.records.rows.RowSource`'s, shared
with any other SQL source. This module is only PostgreSQL's SQL and connection.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import set_json_loads

from feedpub.errors import ConfigError, LockedError, SourceError
from feedpub.output.lock import advisory_lock
from feedpub.records.fields import KNOWN_FIELDS
from feedpub.records.postgres_loader import PostgresLoader, first_line
from feedpub.records.postgres_settings import PostgresSettings
from feedpub.records.rows import RowSource, guarded_json_loads
from feedpub.records.rules import RecordRules
from feedpub.records.urls import redacted_url

__all__ = ["PostgresChanges", "PostgresSource", "site_lock_key"]


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


class PostgresSource(RowSource):
    """The rows of one table or query as records (see the module docstring); what is not
    PostgreSQL's own (ids, values, the contract) is :class:`~feedpub.records.rows.RowSource`'s."""

    def __init__(
        self, connection: psycopg.Connection[Any], settings: PostgresSettings, rules: RecordRules
    ) -> None:
        """Use an open (autocommit) connection; :meth:`connect` is the usual way in."""
        super().__init__(rules)
        self._db = connection
        self._settings = settings
        self._stack = ExitStack()
        self._snapshot = False
        #: The snapshot's id as exported for the render workers ("": not yet; None: it cannot be).
        self._exported: str | None = ""
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
        self.id_column = ""
        self._id_type = ""
        self._version: sql.Composable = sql.SQL("0")
        #: The change column as a bigint, made on the server: a million Python datetimes cost
        #: seconds to build and convert, a million ints almost nothing.
        self._version_number: sql.Composable = sql.SQL("0")

    @classmethod
    @contextmanager
    def connect(cls, settings: PostgresSettings, rules: RecordRules) -> Iterator[PostgresSource]:
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
            raise SourceError(shown, f"cannot connect: {first_line(exc)}") from None
        # json/jsonb values Python cannot hold (nested past the recursion limit...) become
        # that row's error, not an exception ending the read.
        set_json_loads(guarded_json_loads, connection)
        source = cls(connection, settings, rules)
        try:
            with connection, source._stack:
                # The text of a timestamp (hashed by listing_digest) must not depend on the host.
                connection.execute("SET TIME ZONE 'UTC'")
                connection.execute("SET DateStyle = 'ISO, YMD'")
                source._describe()
                yield source
        except psycopg.Error as exc:
            raise SourceError(f"{shown} ({source.name})", first_line(exc)) from None

    @classmethod
    @contextmanager
    def listen(
        cls,
        settings: PostgresSettings,
        rules: RecordRules,
        channel: str,
        wait: float,
        log: Callable[[str], None],
    ) -> Iterator[PostgresChanges]:
        """``feedpub watch``'s change source: ``LISTEN`` on ``channel``, holding the site's
        advisory lock on the same session (see :class:`PostgresChanges`)."""
        changes = PostgresChanges(settings, site_lock_key(rules.link), channel, log)
        changes.open(wait)
        try:
            yield changes
        finally:
            changes.close()

    @classmethod
    def notify_trigger(cls, settings: PostgresSettings, channel: str) -> str:
        """The SQL to install once: a statement trigger on the table that notifies ``channel``
        after every insert, update, delete or truncate (delivered when the change commits)."""
        # Beside the table (in its schema, when it names one), so that sites do not share it.
        schema = settings.table.split(".")[0] if settings.table and "." in settings.table else ""
        name = (sql.Identifier(schema).as_string(None) + "." if schema else "") + "feedpub_notify"
        function = (
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "    PERFORM pg_notify(TG_ARGV[0], TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);\n"
            "    RETURN NULL;\n"
            "END\n"
            "$$;\n"
        )
        argument = sql.Literal(channel).as_string(None)
        if settings.table is not None:
            tables = [sql.Identifier(*settings.table.split(".")).as_string(None)]
            head = f"-- feedpub watch: notify {channel!r} of each change to {settings.table}.\n"
        else:
            tables = ["my_table"]
            head = (
                f"-- feedpub watch: notify {channel!r} when the rows source.query reads change:\n"
                "-- make the trigger below on each table the query reads (my_table: its name).\n"
            )
        triggers = "".join(
            f"DROP TRIGGER IF EXISTS feedpub_notify ON {table};\n"
            "CREATE TRIGGER feedpub_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table}\n"
            f"    FOR EACH STATEMENT EXECUTE FUNCTION {name}({argument});\n"
            for table in tables
        )
        return head + function + triggers

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
            raise ConfigError(f"{self.name}: {first_line(exc)}", key=key) from None
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
        self.id_column = settings.column("id")
        row = self._db.execute(
            "SELECT format_type(%s, NULL)", (described[self.id_column],)
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
            self._begin()

    def _begin(self) -> None:
        """Open the read-only ``REPEATABLE READ`` transaction every read of this session is in."""
        self._db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self._db.read_only = True
        self._stack.enter_context(self._db.transaction())
        self._snapshot = True

    def take_snapshot(self, snapshot: str) -> None:
        """Read from now on in ``snapshot``, exported by another session (a build's): exactly
        the rows it reads. Raises :class:`SourceError` when it is gone (that session ended)."""
        self._begin()  # SET TRANSACTION SNAPSHOT must be its first statement
        try:
            self._db.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        except psycopg.Error as exc:
            raise SourceError(f"{self.url} ({self.name})", first_line(exc)) from None

    def loader(self, rules: RecordRules) -> PostgresLoader | None:
        """A :class:`PostgresLoader` reading in this build's snapshot; ``None`` where the server
        cannot export it (a standby in recovery): this session reads the bodies then."""
        self._read()
        if self._exported == "":
            # Not in a savepoint (PostgreSQL exports none from one), so asked only where it can
            # be: a refusal would end the snapshot's transaction.
            standby = self._db.execute("SELECT pg_is_in_recovery()").fetchone()
            if standby is None or standby[0]:
                self._exported = None
            else:
                row = self._db.execute("SELECT pg_export_snapshot()").fetchone()
                self._exported = str(row[0]) if row else None
        if self._exported is None:
            return None
        return PostgresLoader(self._settings, rules, self._exported, self, type(self))

    # -- the read stage ------------------------------------------------------------------

    def listing_digest(self) -> str | None:
        """A few numbers from the server that change whenever the rows do (see the module
        docstring): the row count, the newest change and a hash of the newest changes."""
        self._read()
        names = {
            "id": sql.Identifier(self.id_column),
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

    def _listed(self) -> Iterator[tuple[str | None, int | None]]:
        """Every row's ``(id as text, version)``, sorted by the server in byte order ("C"),
        which is the order of Python's strings in a UTF-8 (or Latin-1) database."""
        self._read()
        query = sql.SQL(
            'SELECT q.{id}::text, {version} FROM {relation} AS q ORDER BY q.{id}::text COLLATE "C"'
        ).format(
            id=sql.Identifier(self.id_column),
            version=self._version_number,
            relation=self._relation,
        )
        with self._db.cursor(name="feedpub_listing") as cursor:
            cursor.execute(query)
            while batch := cursor.fetchmany(50000):
                yield from batch

    def lock(self, state_dir: Path | None, wait: float) -> AbstractContextManager[None]:
        """A PostgreSQL advisory lock keyed by the site: one build at a time on every host."""
        return advisory_lock(
            self._db, site_lock_key(self.rules.link), wait, f"{self.url} (advisory lock)"
        )

    # -- rows --------------------------------------------------------------------------------

    def _rows(self, keys: Sequence[str]) -> Iterator[tuple[str, int, list[str], Sequence[Any]]]:
        """``(id, version, field names, values)`` for the rows with these ids, in id order."""
        self._read()
        if not keys:
            return
        columns = sql.SQL(", ").join(
            sql.SQL("q.{}").format(sql.Identifier(column)) for _, column in self._fields
        )
        head = sql.SQL("SELECT q.{id}::text, {version}, {columns} FROM {relation} AS q")
        order = sql.SQL(" ORDER BY q.{}").format(sql.Identifier(self.id_column))
        if len(keys) > _BY_ID_MAX:
            # Many rows (a cold build): one ordered pass beats thousands of lookups.
            wanted: set[str] | None = set(keys)
            whole = head.format(
                id=sql.Identifier(self.id_column),
                version=self._version_number,
                columns=columns,
                relation=self._relation,
            )
            batches: list[tuple[sql.Composed, list[Any] | None]] = [(whole + order, None)]
        else:
            wanted = None
            by_id = head.format(
                id=sql.Identifier(self.id_column),
                version=self._version_number,
                columns=columns,
                relation=self._relation_with_params,
            )
            where = sql.SQL(" WHERE q.{} = ANY(%s::{}[])").format(
                sql.Identifier(self.id_column), sql.SQL(self._id_type)
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
                    yield key, row[1] or 0, names, row[2:]


def _strip_query(query: str) -> str:
    return query.strip().rstrip(";").strip()


#: Waits between reconnection attempts after the database went away (then the last, repeated).
RECONNECT_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class PostgresChanges:
    """PostgreSQL's ``LISTEN``/``NOTIFY`` as ``feedpub watch``'s change source.

    One session of its own listens on the channel the trigger
    (:meth:`PostgresSource.notify_trigger`) notifies and holds the site's advisory lock, so a
    ``feedpub build`` from cron exits 75 while it lives. When the session breaks (the server
    restarted, the backend was terminated), the lock goes with it: the source is not
    :attr:`ready` (the watcher builds nothing) until it has reconnected, with a growing wait
    between attempts, and taken the lock again; then :meth:`wait` says something may have
    changed, since notifications sent meanwhile are lost. During a build the lock is lent to the
    build's own session (:meth:`lend`), so that a session broken mid-build takes no lock with it.
    """

    kind = "PostgreSQL"

    def __init__(
        self, settings: PostgresSettings, key: int, channel: str, log: Callable[[str], None]
    ) -> None:
        """Listen to the database ``settings`` name; connect with :meth:`open`."""
        self._settings = settings
        self._key = key
        self._channel = channel
        self._log = log
        self._shown = redacted_url(settings.url or "")
        self._db: psycopg.Connection[Any] | None = None
        #: Whether the session holds the site's lock (not while lent, nor once another build
        #: took it in between).
        self._holding = False
        self._attempt = 0
        self._retry_at = 0.0

    @property
    def ready(self) -> bool:
        """Connected, listening and holding the site's lock."""
        return self._db is not None and self._holding

    def open(self, wait: float) -> None:
        """Connect, take the lock (waiting up to ``wait`` seconds: :class:`LockedError`) and
        listen; a database that cannot be reached is a :class:`SourceError`."""
        try:
            self._connect(wait)
        except psycopg.Error as exc:
            raise SourceError(self._shown, f"cannot connect: {first_line(exc)}") from None

    def _connect(self, wait: float) -> None:
        connection = psycopg.connect(
            self._settings.url or "",
            autocommit=True,
            connect_timeout=10,
            application_name="feedpub watch",
        )
        try:
            deadline = time.monotonic() + max(wait, 0.0)
            while True:
                row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
                if row is not None and row[0]:
                    break
                if time.monotonic() >= deadline:
                    raise LockedError(f"{self._shown} (advisory lock)", wait)
                time.sleep(0.2)
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        except BaseException:
            connection.close()  # the session's end releases the lock
            raise
        self._db = connection
        self._holding = True

    @contextmanager
    def lend(self) -> Iterator[bool]:
        """Around a build: the lock is released here and the build takes it on its own session
        (False: "not held for you"), so that if this session breaks mid-build (a terminated
        backend, a restart) the lock stays with the build and no cron job can start beside it.
        Taken back afterwards; when another build took it in between, the source is not
        :attr:`ready` until :meth:`wait` gets it back."""
        if self._db is None or not self._holding:
            yield False
            return
        try:
            self._db.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        except psycopg.Error as exc:
            self._lost(exc)
            yield False
            return
        self._holding = False
        try:
            yield False
        finally:
            if self._db is not None and not self._take_back():
                self._log(f"{self._shown}: another build holds the site's lock; waiting for it")

    def _take_back(self) -> bool:
        """Take the lock again on this session; False when another build holds it now."""
        if self._db is None:
            return False
        try:
            row = self._db.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        except psycopg.Error as exc:
            self._lost(exc)
            return False
        self._holding = bool(row and row[0])
        return self._holding

    def wait(self, timeout: float) -> bool:
        """True as soon as a notification comes (one of a burst: the watcher's quiet period
        takes the others), or once the source is back after the connection broke; False after
        ``timeout`` seconds."""
        if self._db is None:
            return self._reconnect(timeout)
        if not self._holding:
            # Another build took the lock while it was lent: wait for it to end, then build
            # (it published what it read; what came after is caught up).
            time.sleep(min(max(timeout, 0.0), 0.2))
            return self._take_back()
        try:
            # At least a millisecond: psycopg takes a zero timeout for none at all.
            heard = self._db.notifies(timeout=max(timeout, 0.001), stop_after=1)
            return any(True for _ in heard)
        except psycopg.Error as exc:
            self._lost(exc)
            return False

    def take(self) -> None:
        """Rows have no paths to name: the listing (one query) tells what changed."""
        return None

    def _lost(self, exc: BaseException) -> None:
        self._log(f"{self._shown}: lost the connection ({first_line(exc)}); reconnecting")
        if self._db is not None:
            self._db.close()
        self._db = None
        self._holding = False
        self._attempt = 0
        self._retry_at = time.monotonic() + RECONNECT_BACKOFF[0]

    def _reconnect(self, timeout: float) -> bool:
        pause = self._retry_at - time.monotonic()
        if pause > 0:
            time.sleep(min(pause, max(timeout, 0.0)))
            if time.monotonic() < self._retry_at:
                return False
        try:
            self._connect(0.0)
        except (psycopg.Error, LockedError) as exc:
            self._attempt += 1
            step = RECONNECT_BACKOFF[min(self._attempt, len(RECONNECT_BACKOFF) - 1)]
            self._retry_at = time.monotonic() + step
            if self._attempt == 1 or step == RECONNECT_BACKOFF[-1]:
                why = first_line(exc)
                self._log(f"{self._shown}: not back yet ({why}); next try in {step:g}s")
            return False
        self._log(f"{self._shown}: reconnected; building to catch up")
        return True

    def close(self) -> None:
        """Close the session (which releases the lock)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._holding = False
