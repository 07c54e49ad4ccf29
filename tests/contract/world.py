"""The combinations the contract suite runs over: where records come from, where feeds go.

A :class:`Records` is the sample's records as files (the ``site`` layout) or as rows of a
PostgreSQL table, with the same operations on both (put a record, delete one, put a raw
hostile one). An :class:`Out` is a folder, a bucket on moto's S3, or a :class:`MemoryTarget`,
each able to say which documents it holds and which it wrote or removed since a mark.
A :class:`World` is one of each, built through the public API only: ``load_config`` and
``build`` with ``out`` as a folder path, an ``s3://`` URL or a target object.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from feedpub import BuildReport, SiteConfig, build, load_config
from feedpub.output.publish import TEMP_PREFIX
from feedpub.output.targets import PublishTarget, open_target
from tests.conftest import SAMPLE_ARTICLES, SAMPLE_CONFIG, TEST_POSTGRES
from tests.contract.memory import MemoryTarget
from tests.pg_records import EPOCH, FIELDS, create_table, sample_records, upsert

#: "Now" for every build: after every sample record, so none is withheld.
NOW = datetime(2026, 6, 1, tzinfo=UTC)
#: A database build holds the site's advisory lock; builds of the same site (the sample's
#: link) on other workers wait for it rather than fail.
LOCK_WAIT = 120.0
PREFIX = "news/feeds/"


def sample() -> dict[str, dict[str, Any]]:
    """The sample's records by id (ids as the file loader gives them)."""
    return {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}


class Records(Protocol):
    """Where the records come from, and how a test changes them."""

    articles: Path

    def config(self, overrides: Mapping[str, Any]) -> SiteConfig:
        """The site's config with these keys set (as ``--set`` would)."""
        ...

    def put(self, record: dict[str, Any]) -> None:
        """Add the record, or replace the one with its id."""
        ...

    def delete(self, record_id: str) -> None:
        """Remove the record."""
        ...

    def put_raw(self, record_id: str, fields: Mapping[str, str]) -> None:
        """Add a record whose fields are given as JSON text (hostile values Python cannot
        even serialise, like 5,000 nested lists)."""
        ...

    def location(self, record_id: str) -> str:
        """How an error names the record's place: its file, or ``table:id``."""
        ...


class FileRecords:
    """The sample as record files; a put writes ``articles/<id>.json`` (id from the path)."""

    def __init__(self, root: Path) -> None:
        """Copy the sample (config and articles) into ``root``."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE_CONFIG, root / "feedpub.toml")
        shutil.copytree(SAMPLE_ARTICLES, root / "articles")
        self.root = root
        self.articles = root / "articles"
        self._hostile: dict[str, Path] = {}

    def config(self, overrides: Mapping[str, Any]) -> SiteConfig:
        """The sample's config."""
        return load_config(self.root / "feedpub.toml", overrides=overrides)

    def _path(self, record_id: str) -> Path:
        return self.articles / f"{record_id}.json"

    def put(self, record: dict[str, Any]) -> None:
        """Write the record as its own file (the id is the file's path, as in the sample)."""
        path = self._path(str(record["id"]))
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {k: v for k, v in record.items() if k != "id"}
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")

    def delete(self, record_id: str) -> None:
        """Remove the record's file (only records that have a file of their own)."""
        self._path(record_id).unlink()

    def put_raw(self, record_id: str, fields: Mapping[str, str]) -> None:
        """A file with an explicit id and these fields, written as given."""
        members = [f'"id": {json.dumps(record_id)}'] + [
            f"{json.dumps(name)}: {text}" for name, text in fields.items()
        ]
        path = self.articles / "hostile" / f"{len(self._hostile)}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{" + ", ".join(members) + "}", encoding="utf-8")
        self._hostile[record_id] = path

    def location(self, record_id: str) -> str:
        """The file's path as the build was given it."""
        return str(self._hostile.get(record_id, self._path(record_id)))


class RowRecords:
    """The sample as rows of a table in the test's own schema (``tests/pg_records.py``).

    The site keeps the sample's link, so that its feeds are byte for byte the files'; the
    advisory lock keyed by that link makes builds on other workers wait their turn."""

    def __init__(self, root: Path, postgres: tuple[Any, str]) -> None:
        """Load the sample into a new table; the config is the sample's plus a [source]."""
        self.db, schema = postgres
        self.table = f"{schema}.articles"
        self.articles = root / "unused"  # a database site reads no folder
        self.config_path = root / "feedpub.toml"
        root.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            SAMPLE_CONFIG.read_text()
            + f'\n[source]\nurl = "{TEST_POSTGRES}"\ntable = "{self.table}"\n'
        )
        self.version = 0
        create_table(self.db, self.table)
        for record in sample().values():
            self.put(record)

    def config(self, overrides: Mapping[str, Any]) -> SiteConfig:
        """The sample's config, reading this table."""
        return load_config(self.config_path, overrides=overrides)

    def put(self, record: dict[str, Any]) -> None:
        """Upsert the row, with a newer change time."""
        self.version += 1
        upsert(self.db, self.table, record, self.version)

    def delete(self, record_id: str) -> None:
        """Delete the row."""
        self.db.execute(f"DELETE FROM {self.table} WHERE id = %s", [record_id])

    def put_raw(self, record_id: str, fields: Mapping[str, str]) -> None:
        """Insert a row whose jsonb columns the server parses from the JSON text."""
        unknown = set(fields) - set(FIELDS)
        assert not unknown, f"the table has no column for {unknown}"
        names = list(fields)
        self.version += 1
        casts = ", ".join(["%s::jsonb"] * len(names))
        self.db.execute(
            f"INSERT INTO {self.table} (id, updated_at, {', '.join(names)})"
            f" VALUES (%s, %s, {casts})",
            [record_id, EPOCH + timedelta(seconds=self.version), *fields.values()],
        )

    def location(self, record_id: str) -> str:
        """``table:id``."""
        return f"{self.table}:{record_id}"


class Out(Protocol):
    """Where the feeds go, and what a test can see of it."""

    overrides: dict[str, Any]

    def out(self) -> Path | str | PublishTarget:
        """What ``build`` is given as ``out``."""
        ...

    def documents(self) -> dict[str, bytes]:
        """Every published document's bytes, by path."""
        ...

    def mark(self) -> None:
        """From now on, count what is written and removed."""
        ...

    def touched(self) -> set[str]:
        """The paths written (or created, or removed) since :meth:`mark`."""
        ...

    def leftovers(self) -> list[str]:
        """Anything a finished build must not leave: temp files, empty folders, stray files."""
        ...


class FolderOut:
    """A local output folder, seen through the filesystem only."""

    overrides: dict[str, Any]

    def __init__(self, root: Path) -> None:
        """Publish to ``root``."""
        self.root = root
        self.overrides = {}
        self._marked: dict[str, tuple[int, int, int]] = {}

    def out(self) -> Path:
        """The folder."""
        return self.root

    def _files(self) -> dict[str, tuple[int, int, int]]:
        """Every file (the owner marker too), with its inode, size and mtime."""
        if not self.root.exists():
            return {}
        found = {}
        for path in self.root.rglob("*"):
            if path.is_file():
                stat = path.stat()
                found[path.relative_to(self.root).as_posix()] = (
                    stat.st_ino,
                    stat.st_size,
                    stat.st_mtime_ns,
                )
        return found

    def documents(self) -> dict[str, bytes]:
        """The feed files (not the hidden owner marker)."""
        return {
            path: (self.root / path).read_bytes()
            for path in sorted(self._files())
            if not path.rsplit("/", 1)[-1].startswith(".")
        }

    def mark(self) -> None:
        """Remember every file's inode, size and mtime."""
        self._marked = self._files()

    def touched(self) -> set[str]:
        """Files created, removed or replaced since the mark."""
        now = self._files()
        return {p for p in now.keys() | self._marked.keys() if now.get(p) != self._marked.get(p)}

    def leftovers(self) -> list[str]:
        """Temp files and empty folders."""
        found = [
            p.relative_to(self.root).as_posix() + "/"
            for p in self.root.rglob("*")
            if p.is_dir() and not any(p.iterdir())
        ]
        found += [p for p in self._files() if p.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)]
        return sorted(found)


class S3Out:
    """A fresh bucket on the test's moto server, given to ``build`` as an ``s3://`` URL."""

    def __init__(self, server: Any, client: Any, bucket: str) -> None:
        """Publish under :data:`PREFIX` of ``bucket``; the endpoint comes from the config."""
        self.server = server
        self.client = client
        self.bucket = bucket
        self.overrides: dict[str, Any] = {"s3_endpoint_url": server.endpoint}
        self._mark = len(server.requests)
        self._deleted = len(server.deleted)

    def out(self) -> str:
        """The bucket's URL."""
        return f"s3://{self.bucket}/{PREFIX}"

    def _keys(self) -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def documents(self) -> dict[str, bytes]:
        """Every object under the prefix."""
        return {
            key[len(PREFIX) :]: self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            for key in sorted(self._keys())
            if key.startswith(PREFIX)
        }

    def mark(self) -> None:
        """Count requests from here."""
        self._mark = len(self.server.requests)
        self._deleted = len(self.server.deleted)

    def touched(self) -> set[str]:
        """Keys PUT, POSTed or DELETEd in this bucket since the mark, one by one or
        together (DeleteObjects)."""
        here = f"/{self.bucket}/{PREFIX}"
        return {
            path.removeprefix(here)
            for method, path in self.server.requests[self._mark :]
            if method in ("PUT", "POST", "DELETE") and path.startswith(here)
        } | {
            path.removeprefix(here)
            for path in self.server.deleted[self._deleted :]
            if path.startswith(here)
        }

    def leftovers(self) -> list[str]:
        """Objects outside the prefix (an S3 target writes nothing else)."""
        return sorted(key for key in self._keys() if not key.startswith(PREFIX))


class MemoryOut:
    """A :class:`MemoryTarget`, kept across the builds of one test."""

    def __init__(self) -> None:
        """An empty target."""
        self.target = MemoryTarget()
        self.overrides: dict[str, Any] = {}
        self._mark = 0

    def out(self) -> MemoryTarget:
        """The target itself."""
        return self.target

    def documents(self) -> dict[str, bytes]:
        """What the target holds."""
        return self.target.documents()

    def mark(self) -> None:
        """Count operations from here."""
        self._mark = len(self.target.log)

    def touched(self) -> set[str]:
        """Paths written or removed since the mark."""
        return {op.path for op in self.target.log[self._mark :]}

    def leftovers(self) -> list[str]:
        """Nothing can be left in memory but documents; their content types must fit."""
        kinds = {
            "rss.xml": "application/rss+xml",
            "atom.xml": "application/atom+xml",
            "feed.json": "application/feed+json",
            "index.html": "text/html",  # the pages for people
        }
        return sorted(
            f"{path} ({kind})"
            for path, kind in self.target.content_types().items()
            if kind != f"{kinds[path.rsplit('/', 1)[-1]]}; charset=utf-8"
        )


@dataclass
class World:
    """One source and one target: builds as the library's caller makes them."""

    records: Records
    target: Out
    archives: bool
    state: Path
    overrides: dict[str, Any] = field(default_factory=dict)

    def config(self) -> SiteConfig:
        """The config every build of this world uses."""
        return self.records.config(
            # limit 3: the sample's feeds then need archive pages (within 50, the default,
            # every feed of the sample fits in its subscription document: complete, no pages).
            {"archive": "month" if self.archives else "off", "limit": 3}
            | self.target.overrides
            | self.overrides
        )

    def build(
        self, *, out: Path | str | PublishTarget | None = None, **options: Any
    ) -> BuildReport:
        """One build with the world's state folder and ``NOW``."""
        options.setdefault("now", NOW)
        options.setdefault("state_dir", self.state)
        options.setdefault("wait", LOCK_WAIT)
        config = self.config()
        return build(self.records.articles, out or self.target.out(), config, **options)

    def publish_target(self) -> PublishTarget:
        """The target a build of this world publishes to, as an object (to wrap it)."""
        out = self.target.out()
        if isinstance(out, Path | str):
            return open_target(out, self.config().target)
        return out


def reference(
    root: Path,
    archives: bool,
    changes: list[tuple[str, Any]],
    overrides: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    """What a clean build (fresh state, fresh folder) of the sample's files publishes after
    ``changes`` (``("put", record)`` or ``("delete", id)``), configured with ``overrides``:
    the suite's reference bytes."""
    records = FileRecords(root / "site")
    apply(records, changes)
    out = FolderOut(root / "public")
    world = World(records, out, archives, root / "state", dict(overrides or {}))
    report = world.build(state_dir=None)
    assert report.exit_code == 0, [str(e) for e in report.errors]
    return out.documents()


def apply(records: Records, changes: list[tuple[str, Any]]) -> None:
    """Make ``changes`` to ``records``."""
    for action, value in changes:
        if action == "put":
            records.put(value)
        elif action == "delete":
            records.delete(value)
        else:
            raise AssertionError(f"unknown change {action!r}")
