"""Benchmark a PostgreSQL record source: cold, no-change and one-change builds over N rows.

Usage::

    python benchmarks/pg_source.py --rows 100000 [--url postgresql://...] [--body-bytes 1500]

Loads N seeded rows with ``COPY`` into ``feedpub_bench.articles_N`` (reused when it already
holds N rows), ``VACUUM ANALYZE``s it, then times, each in its own wrapper process (wall time
and peak RSS, as ``run.py`` does): a cold ``feedpub build``, a rebuild with nothing changed, a
rebuild after the newest row's title changed, and one after the next newest row was deleted.
It also times, in this process, the database work a run does before it knows whether anything
changed (the query ``listing_digest`` sends) and the ``(id, change column)`` listing a run with
changes reads. The table is dropped afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from run import REPO, Step, measure  # the sibling benchmarks/run.py

from feedpub.config import load_config
from feedpub.records.postgres import PostgresSource

DEFAULT_URL = os.environ.get("FEEDPUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "feedpub_bench"
NOW = "2026-01-01T00:00:00Z"
COLUMNS = ("id", "updated_at", "title", "url", "date_published", "authors", "categories")
WORDS = (
    "pemerintah",
    "provinsi",
    "lampung",
    "kota",
    "bandar",
    "warga",
    "pasar",
    "jalan",
    "sekolah",
    "kesehatan",
    "ekonomi",
    "budaya",
    "festival",
    "banjir",
    "jembatan",
    "petani",
    "kopi",
    "nelayan",
    "pelabuhan",
    "bandara",
    "investasi",
)
CATEGORIES = [f"Kategori {n}" for n in range(200)]
START = datetime(2016, 1, 1, tzinfo=UTC)


def rows(n: int, seed: int, body_bytes: int) -> Iterator[tuple[str, ...]]:
    """N deterministic rows: text ids, RFC 3339 dates in +07:00, 1-3 of 200 categories."""
    rng = random.Random(seed)
    pool = [" ".join(rng.choice(WORDS) for _ in range(12)) + "." for _ in range(500)]
    changed = START
    for number in range(n):
        published = START + timedelta(seconds=rng.randrange(10 * 365 * 86400))
        changed += timedelta(seconds=1)
        body = []
        size = 0
        while size < body_bytes:
            sentence = rng.choice(pool)
            body.append(sentence)
            size += len(sentence) + 1
        categories = rng.sample(CATEGORIES[: 10 + rng.randrange(190)], rng.randint(1, 3))
        yield (
            f"berita-{number:07d}",
            changed.isoformat(),
            f"Berita {number}: {rng.choice(pool)[:60]}",
            f"https://berita.example.id/{published:%Y/%m}/berita-{number}",
            published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            json.dumps(["Redaksi"]),
            json.dumps(categories),
            " ".join(body),
        )


def load(url: str, table: str, n: int, seed: int, body_bytes: int) -> float:
    """Create and fill the table unless it already holds N rows; the seconds it took."""
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        exists = db.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()
        if exists and exists[0]:
            count = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            if count and count[0] == n:
                return 0.0
            db.execute(f"DROP TABLE {table}")
        started = time.perf_counter()
        db.execute(
            f"CREATE TABLE {table} (id text PRIMARY KEY, updated_at timestamptz NOT NULL,"
            " title text NOT NULL, url text, date_published text NOT NULL, authors jsonb,"
            " categories jsonb, content_text text)"
        )
        with (
            db.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}, content_text) FROM STDIN") as copy,
        ):
            for row in rows(n, seed, body_bytes):
                copy.write_row(row)
        # The README's advice: an index on (change column, id) makes the no-change check a few
        # index pages and the (id, change) listing an index-only scan.
        db.execute(f"CREATE INDEX {table.replace('.', '_')}_changed ON {table} (updated_at, id)")
        db.execute(f"VACUUM ANALYZE {table}")
        return time.perf_counter() - started


def site(folder: Path, url: str, table: str) -> Path:
    """A feedpub.toml reading the table (the URL is passed as FEEDPUB_SOURCE, as cron would)."""
    config = folder / "feedpub.toml"
    config.write_text(
        'title = "Berita Contoh"\nlink = "https://berita.example.id/"\n'
        'description = "Benchmark."\ntimezone = "Asia/Jakarta"\n'
        f'[source]\ntable = "{table}"\n'
    )
    return config


def no_change_session(url: str, config_path: Path, repeat: int = 5) -> float:
    """Median seconds of everything a no-change run asks of the database: connect, check the
    mapping, take the advisory lock, the no-change check, release, close."""
    config = load_config(config_path)
    assert config.source is not None
    settings = config.source.with_url(url)
    sessions = []
    for _ in range(repeat):
        started = time.perf_counter()
        with PostgresSource.connect(settings, config.records) as source, source.lock(None, 0):
            source.listing_digest()
        sessions.append(time.perf_counter() - started)
    return statistics.median(sessions)


def database_time(url: str, config_path: Path, repeat: int = 5) -> tuple[float, float]:
    """Median seconds of the no-change check (one aggregate) and of the (id, change) listing."""
    config = load_config(config_path)
    assert config.source is not None
    settings = config.source.with_url(url)
    digests, listings = [], []
    with PostgresSource.connect(settings, config.records) as source:
        for _ in range(repeat):
            started = time.perf_counter()
            source.listing_digest()
            digests.append(time.perf_counter() - started)
        for _ in range(max(1, repeat // 2)):
            started = time.perf_counter()
            source.listing(parallel=False)
            listings.append(time.perf_counter() - started)
    return statistics.median(digests), statistics.median(listings)


def check_only(n: int, url: str, table: str, keep: bool) -> None:
    """Only the database side of a run: the no-change check and the listing, with the indexes
    the README recommends (the primary key and one on (updated_at, id)), then without the latter."""
    work = Path(tempfile.mkdtemp(prefix=f"pg-check-{n}-", dir=REPO / "benchmarks"))
    index = table.replace(".", "_") + "_changed"
    try:
        config = site(work, url, table)
        digest, listing = database_time(url, config)
        print(f"no-change check: {digest * 1000:.1f} ms; (id, change) listing: {listing:.2f}s")
        session = no_change_session(url, config)
        print(f"a no-change run's whole database session: {session * 1000:.1f} ms")
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(f"DROP INDEX {SCHEMA}.{index}")
        digest, _ = database_time(url, config, repeat=3)
        print(f"without the index on (updated_at, id): no-change check {digest * 1000:.0f} ms")
        with psycopg.connect(url, autocommit=True) as db:
            if keep:
                db.execute(f"CREATE INDEX {index} ON {table} (updated_at, id)")
            else:
                db.execute(f"DROP TABLE {table}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_size(
    n: int, url: str, seed: int, body_bytes: int, keep: bool, timeout: float, only_check: bool
) -> None:
    table = f"{SCHEMA}.articles_{n}"
    loaded = load(url, table, n, seed, body_bytes)
    print(f"\n== {n:,} rows ({body_bytes}-byte bodies) in {table}", flush=True)
    if loaded:
        print(f"COPY + VACUUM ANALYZE: {loaded:.1f}s")
    with psycopg.connect(url) as db:
        size = db.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table]).fetchone()
    print(f"table with its indexes and TOAST: {size[0] if size else '?'}")
    if only_check:
        check_only(n, url, table, keep)
        return
    work = Path(tempfile.mkdtemp(prefix=f"pg-run-{n}-", dir=REPO / "benchmarks"))
    config = site(work, url, table)
    command = [sys.executable, "-m", "feedpub", "build", "--config", str(config)]
    command += ["--out", str(work / "public"), "--state", str(work / "state"), "--now", NOW]
    command += ["--json", "-q"]
    os.environ["FEEDPUB_SOURCE"] = url
    steps: dict[str, Step] = {}
    with psycopg.connect(url, autocommit=True) as db:
        # The two newest stories (RFC 3339 in UTC sorts as time does): both are in the main feed.
        newest = db.execute(
            f"SELECT id, updated_at FROM {table} ORDER BY date_published DESC, id LIMIT 2"
        ).fetchall()
    (victim, was), gone = newest[0], newest[1][0]
    try:
        steps["cold"] = measure(command, timeout)
        steps["no-change"] = measure(command, timeout)
        with psycopg.connect(url, autocommit=True) as db:
            # As an application saves an edit: its change column becomes the newest. (An edit
            # that moved it by a day only was below the 1,000 newest changes of 1,000,000
            # random ones, which the no-change check hashes: that run saw no change.)
            db.execute(
                f"UPDATE {table} SET title = title || ' (diperbarui)', updated_at ="
                f" (SELECT max(updated_at) FROM {table}) + interval '1 second' WHERE id = %s",
                [victim],
            )
        steps["one-change"] = measure(command, timeout)
        with psycopg.connect(url, autocommit=True) as db:
            deleted = db.execute(
                f"DELETE FROM {table} WHERE id = %s RETURNING id, updated_at, title, url,"
                " date_published, authors::text, categories::text, content_text",
                [gone],
            ).fetchone()
        steps["one-delete"] = measure(command, timeout)
        digest, listing = database_time(url, config)
        session = no_change_session(url, config)
        with psycopg.connect(url, autocommit=True) as db:  # restore the table for the next run
            db.execute(
                f"UPDATE {table} SET title = replace(title, ' (diperbarui)', ''),"
                " updated_at = %s WHERE id = %s",
                [was, victim],
            )
            if deleted:
                marks = ", ".join(["%s"] * len(deleted))
                db.execute(
                    f"INSERT INTO {table} ({', '.join(COLUMNS)}, content_text) VALUES ({marks})",
                    list(deleted),
                )
            if not keep:
                db.execute(f"DROP TABLE {table}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'step':<12} {'seconds':>8} {'peak MiB':>9}  records changed / feeds written")
    for name, step in steps.items():
        try:
            summary = json.loads(step.stdout.strip().splitlines()[-1])
            detail = f"{summary['records_changed']} / {summary['feeds_written']}"
        except (IndexError, ValueError, KeyError):
            detail = f"exit {step.returncode}: {step.stderr.strip()[-300:]}"
        print(f"{name:<12} {step.seconds:8.2f} {step.peak_rss_kib / 1024:9.0f}  {detail}")
    print(f"database time of the no-change check (median of 5): {digest * 1000:.1f} ms")
    print(f"a no-change run's whole database session: {session * 1000:.1f} ms")
    print(f"(id, change) listing a run with changes reads: {listing:.2f}s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", default="100000", help="comma-separated sizes")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--body-bytes", type=int, default=1500)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the table for the next run")
    parser.add_argument(
        "--check-only", action="store_true", help="time only the database side, no builds"
    )
    options = parser.parse_args(argv)
    for n in (int(size.replace("_", "")) for size in options.rows.split(",")):
        run_size(
            n,
            options.url,
            options.seed,
            options.body_bytes,
            options.keep,
            options.timeout,
            options.check_only,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
