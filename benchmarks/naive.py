"""The baseline: feeds built the way a hurried developer would build them.

Usage::

    python benchmarks/naive.py --articles DIR --out DIR --config FILE

Loads every record into memory with :mod:`json`, reads every date with
``dateutil.parser.parse`` on its defaults (a naive result is taken to be in
the site's zone), sorts, and writes the main feed and one feed per category
(the 50 newest entries each, RSS and Atom) with feedgen, one FeedGenerator
per feed. No index, no validation, no care for day-first dates or Indonesian
month names: records whose date dateutil cannot read are skipped and counted.
Prints a one-line JSON summary on stdout.

This is deliberately not how feedpub works; it is the yardstick it must beat.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from feedgen.feed import FeedGenerator

__all__ = ["build", "main"]


def _load(articles: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(articles.rglob("*")):
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            records.extend(data if isinstance(data, list) else [data])
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    records.append(json.loads(line))
    return records


def _term(category: str | dict[str, str]) -> tuple[str, str]:
    if isinstance(category, dict):
        return category["term"], category.get("label") or category["term"]
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-"), category


def _entry(feed: FeedGenerator, record: dict[str, Any], published: datetime) -> None:
    entry = feed.add_entry(order="append")
    entry.id(str(record["id"]))
    entry.title(record.get("title") or str(record["id"]))
    entry.link(href=record.get("url") or str(record["id"]))
    entry.published(published)
    entry.updated(published)
    for author in record.get("authors") or []:
        if isinstance(author, str):
            entry.author(name=author)
        else:
            entry.author(name=author.get("name"), email=author.get("email"))
    for category in record.get("categories") or []:
        term, label = _term(category)
        entry.category(term=term, label=label)
    if record.get("summary"):
        entry.summary(record["summary"])
    if record.get("content_html"):
        entry.content(record["content_html"], type="html")
    elif record.get("content_text"):
        entry.content(record["content_text"])


def _write(
    path: Path,
    feed_id: str,
    site: dict[str, Any],
    title: str,
    entries: list[tuple[datetime, dict[str, Any]]],
) -> None:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=site["link"], rel="alternate")
    feed.description(site.get("description") or title)
    feed.language(site.get("language", "en"))
    for published, record in entries:
        _entry(feed, record, published)
    path.mkdir(parents=True, exist_ok=True)
    feed.rss_file(str(path / "rss.xml"))
    feed.atom_file(str(path / "atom.xml"))


def build(articles: Path, out: Path, config: Path) -> dict[str, int]:
    """Build every feed of *articles* into *out*; return counts for the summary."""
    site = tomllib.loads(config.read_text(encoding="utf-8"))
    zone = ZoneInfo(site.get("timezone", "UTC"))
    limit = int(site.get("limit", 50))
    records = _load(articles)

    dated: list[tuple[datetime, dict[str, Any]]] = []
    skipped = 0
    for record in records:
        if record.get("draft"):
            continue
        try:
            published = date_parser.parse(record["date_published"])
        except (ValueError, OverflowError, TypeError):
            skipped += 1
            continue
        if published.tzinfo is None:
            published = published.replace(tzinfo=zone)
        dated.append((published, record))
    dated.sort(key=lambda pair: pair[0], reverse=True)

    by_category: dict[str, list[tuple[datetime, dict[str, Any]]]] = {}
    labels: dict[str, str] = {}
    for published, record in dated:
        for category in record.get("categories") or []:
            term, label = _term(category)
            labels.setdefault(term, label)
            by_category.setdefault(term, []).append((published, record))

    link = site["link"]
    _write(out, link, site, site["title"], dated[:limit])
    for term, entries in by_category.items():
        title = f"{site['title']}: {labels[term]}"
        _write(out / "category" / term, f"{link}category/{term}", site, title, entries[:limit])
    return {
        "records": len(records),
        "published": len(dated),
        "skipped_dates": skipped,
        "feeds": 2 * (1 + len(by_category)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``naive.py --articles DIR --out DIR --config FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    summary = build(args.articles, args.out, args.config)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
