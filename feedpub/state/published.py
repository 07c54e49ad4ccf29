"""What the last builds published: each feed file as written, the id each entry URL was
published under, and the feeds each WebSub hub has not been told of yet."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from feedpub.state.values import PublishedFeed

__all__ = [
    "forget_feed",
    "owe_hubs",
    "previous_ids",
    "published",
    "record_feed",
    "remember_urls",
    "set_unannounced",
    "unannounced",
]


def published(db: sqlite3.Connection) -> dict[str, PublishedFeed]:
    """What each published feed file was, by path."""
    return {
        path: PublishedFeed(
            digest, size, mtime_ns, sha, tuple(tuple(pair) for pair in json.loads(entries))
        )
        for path, digest, size, mtime_ns, sha, entries in db.execute(
            "SELECT path, digest, size, mtime_ns, sha, entries FROM feeds"
        )
    }


def record_feed(db: sqlite3.Connection, path: str, feed: PublishedFeed) -> None:
    """Remember what a feed file now holds."""
    db.execute(
        "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?, ?, ?)",
        (path, feed.digest, feed.size, feed.mtime_ns, feed.sha, json.dumps(feed.entries)),
    )


def forget_feed(db: sqlite3.Connection, path: str) -> None:
    """Forget a feed file that was removed."""
    db.execute("DELETE FROM feeds WHERE path = ?", (path,))


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
    db.executemany("INSERT OR REPLACE INTO published_urls VALUES (?, ?)", pairs)


# -- WebSub ---------------------------------------------------------------------------


def unannounced(db: sqlite3.Connection) -> dict[str, list[str]]:
    """The feed URLs each hub has not been told of yet, by hub, URLs sorted."""
    found: dict[str, list[str]] = {}
    for hub, url in db.execute("SELECT hub, url FROM unannounced ORDER BY hub, url"):
        found.setdefault(hub, []).append(url)
    return found


def owe_hubs(db: sqlite3.Connection, hubs: Iterable[str], url: str) -> None:
    """Remember that each of ``hubs`` has to be told of ``url``."""
    db.executemany("INSERT OR IGNORE INTO unannounced VALUES (?, ?)", ((hub, url) for hub in hubs))


def set_unannounced(db: sqlite3.Connection, hub: str, urls: Iterable[str]) -> None:
    """Remember exactly ``urls`` as the feeds ``hub`` still has to be told of."""
    db.execute("DELETE FROM unannounced WHERE hub = ?", (hub,))
    db.executemany("INSERT OR IGNORE INTO unannounced VALUES (?, ?)", ((hub, url) for url in urls))
