"""Helpers for the PostgreSQL tests: the sample's records as rows, and a site that reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from feedpub.records.fields import KNOWN_FIELDS

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
#: Every record field but id in a jsonb column, so each row holds exactly its JSON record.
FIELDS = sorted(KNOWN_FIELDS - {"id"})


def sample_records(articles: Path) -> list[dict[str, Any]]:
    """The records of an articles folder, each with the id the file loader gives it."""
    records = []
    for path in sorted(articles.rglob("*.json*")):
        relative = path.relative_to(articles).as_posix()
        text = path.read_text(encoding="utf-8")
        if relative.endswith(".jsonl"):
            records.extend(json.loads(line) for line in text.splitlines() if line.strip())
            continue
        document = json.loads(text)
        if isinstance(document, list):
            records.extend(document)
        else:
            document.setdefault("id", relative.rsplit(".", 1)[0])
            records.append(document)
    return records


def create_table(connection: Any, table: str) -> None:
    """A table of records: a text id, a change column, a jsonb column per field."""
    columns = ", ".join(f"{name} jsonb" for name in FIELDS)
    connection.execute(
        f"CREATE TABLE {table} (id text PRIMARY KEY, updated_at timestamptz NOT NULL, {columns})"
    )


def upsert(connection: Any, table: str, record: dict[str, Any], version: int) -> None:
    """Insert or replace one record; ``version`` seconds after 2026-01-01 is its change time."""
    from psycopg.types.json import Jsonb

    values = [Jsonb(record[name]) if name in record else None for name in FIELDS]
    marks = ", ".join(["%s"] * (len(FIELDS) + 2))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in ["updated_at", *FIELDS])
    connection.execute(
        f"INSERT INTO {table} (id, updated_at, {', '.join(FIELDS)}) VALUES ({marks})"
        f" ON CONFLICT (id) DO UPDATE SET {updates}",
        [str(record["id"]), EPOCH + timedelta(seconds=version), *values],
    )


def export(connection: Any, table: str, folder: Path) -> None:
    """Write every row as a record file (one JSON object with its id), for a files build."""
    folder.mkdir(parents=True)
    names = ", ".join(FIELDS)
    for number, row in enumerate(
        connection.execute(f"SELECT id, {names} FROM {table} ORDER BY id").fetchall()
    ):
        record = {"id": row[0]} | {
            name: value for name, value in zip(FIELDS, row[1:], strict=True) if value is not None
        }
        (folder / f"{number:05d}.json").write_text(json.dumps(record, ensure_ascii=False))


def site_config(folder: Path, source: str, sample_config: Path, *, link: str) -> Path:
    """The sample's feedpub.toml with its own link (the lock key) and a [source] table."""
    lines = [
        line
        for line in sample_config.read_text().splitlines()
        if not line.startswith(("link", "feeds_url"))
    ]
    text = f'link = "{link}"\nfeeds_url = "{link}feeds/"\n' + "\n".join(lines) + "\n" + source
    path = folder / "feedpub.toml"
    path.write_text(text)
    return path
