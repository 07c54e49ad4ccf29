"""What the last builds published: each feed file as written, the id each entry URL was
published under, and the feeds each WebSub hub has not been told of yet."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from feedpub.state.opening import stored_json
from feedpub.state.values import OwedHub, OwedUrl, PublishedFeed

__all__ = [
    "delivered",
    "forget_feeds",
    "forget_hubs",
    "owe_hubs",
    "owed",
    "owed_urls",
    "previous_ids",
    "published",
    "record_feeds",
    "remember_urls",
]


def published(
    db: sqlite3.Connection, folders: Iterable[str] | None = None, *, apart: str = ""
) -> dict[str, PublishedFeed]:
    """What each published feed file was, by path (``folders``: only under those, each a path
    prefix ending in "/", or "" for the top, whose subfolder ``apart`` is left out)."""
    where, values = "", list[str]()
    if folders is not None:
        ranges = []
        for folder in folders:
            if folder:
                ranges.append("(path >= ? AND path < ?)")
                values += [folder, _past(folder)]
            else:
                ranges.append("NOT (path >= ? AND path < ?)" if apart else "1")
                values += [apart, _past(apart)] if apart else []
        where = "WHERE " + (" OR ".join(ranges) or "0")
    # Most documents (archive pages, pages for people) keep no entries: no JSON to decode.
    return {
        path: PublishedFeed(
            digest,
            size,
            mtime_ns,
            sha,
            () if entries == "[]" else _entries(path, entries),
            frame,
        )
        for path, digest, size, mtime_ns, sha, entries, frame in db.execute(
            f"SELECT path, digest, size, mtime_ns, sha, entries, frame FROM feeds {where}", values
        )
    }


def _entries(path: str, stored: str) -> tuple[tuple[str, str], ...]:
    """A feed row's entries as :func:`record_feeds` wrote them: (entry id, record digest) pairs.
    Anything else is a corrupt cache (:func:`~feedpub.state.opening.stored_json`)."""
    pairs = stored_json(stored, f"its feeds row for {path!r}", _are_pairs)
    return tuple((entry_id, digest) for entry_id, digest in pairs)


def _are_pairs(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
        for pair in value
    )


def _past(prefix: str) -> str:
    """The least string after every string starting with ``prefix`` (its last character
    stepped on): the end of a range query by prefix, which the primary key serves."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def record_feeds(db: sqlite3.Connection, feeds: Iterable[tuple[str, PublishedFeed]]) -> None:
    """Remember what some feed files now hold (each row updated in place: a replace deletes
    and inserts it, 3-5x the time for the 65,398 rows of a new title)."""
    db.executemany(
        "INSERT INTO feeds VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET"
        " digest = excluded.digest, size = excluded.size, mtime_ns = excluded.mtime_ns,"
        " sha = excluded.sha, entries = excluded.entries, frame = excluded.frame",
        [
            (path, f.digest, f.size, f.mtime_ns, f.sha, json.dumps(f.entries), f.frame)
            for path, f in feeds
        ],
    )


def forget_feeds(db: sqlite3.Connection, paths: Iterable[str]) -> None:
    """Forget feed files that were removed."""
    db.executemany("DELETE FROM feeds WHERE path = ?", ((path,) for path in paths))


def any_url(db: sqlite3.Connection) -> bool:
    """Whether any URL was published yet."""
    return db.execute("SELECT 1 FROM published_urls LIMIT 1").fetchone() is not None


def previous_ids(db: sqlite3.Connection, urls: Iterable[str]) -> dict[str, str]:
    """The id each URL was last published under."""
    found: dict[str, str] = {}
    pending = list(urls)
    for start in range(0, len(pending), 500):
        chunk = pending[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            db.execute(
                f"SELECT url, id FROM published_urls WHERE url IN ({marks})", chunk
            ).fetchall()
        )
    return found


def remember_urls(db: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Record the id each published URL now has."""
    db.executemany(
        "INSERT INTO published_urls VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET id = excluded.id",
        pairs,
    )


# -- WebSub ---------------------------------------------------------------------------
#
# A build owes its changes under the lock, and announces them after releasing it: the next
# build may owe the same URL again meanwhile. So each owing gets a new random mark, and a
# delivery clears a URL only if its mark is still the one announced. A URL owed again is
# then told twice, never lost.


def owed_urls(db: sqlite3.Connection) -> dict[str, list[OwedUrl]]:
    """The feed URLs each hub has not been told of yet, by hub, URLs sorted."""
    found: dict[str, list[OwedUrl]] = {}
    rows = db.execute("SELECT hub, url, since, mark FROM unannounced ORDER BY hub, url")
    for hub, url, since, mark in rows:
        found.setdefault(hub, []).append(OwedUrl(url, since, mark))
    return found


def owed(db: sqlite3.Connection) -> dict[str, OwedHub]:
    """Per hub, the feed URLs it has not been told of and since when the oldest is owed."""
    return {
        hub: OwedHub(tuple(u.url for u in urls), min(u.since for u in urls))
        for hub, urls in owed_urls(db).items()
    }


def owe_hubs(
    db: sqlite3.Connection, hubs: Iterable[str], url: str, since: float, mark: int
) -> None:
    """Remember that each of ``hubs`` has to be told of ``url``: owed since ``since`` unless
    it was owed already (then since then), under a new ``mark`` either way."""
    db.executemany(
        "INSERT INTO unannounced VALUES (?, ?, ?, ?)"
        " ON CONFLICT (hub, url) DO UPDATE SET mark = excluded.mark",
        ((hub, url, since, mark) for hub in hubs),
    )


def forget_hubs(db: sqlite3.Connection, keep: Iterable[str]) -> None:
    """Forget what is owed to any hub but ``keep`` (hubs no longer in the config)."""
    kept = list(keep)
    marks = ",".join("?" * len(kept))
    db.execute(f"DELETE FROM unannounced WHERE hub NOT IN ({marks})", kept)


def delivered(db: sqlite3.Connection, hub: str, urls: Iterable[OwedUrl]) -> None:
    """``hub`` was told of ``urls``: clear each that no build has owed again since."""
    db.executemany(
        "DELETE FROM unannounced WHERE hub = ? AND url = ? AND mark = ?",
        ((hub, u.url, u.mark) for u in urls),
    )
