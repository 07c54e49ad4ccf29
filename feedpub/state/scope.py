"""What a change of some record files touches, for a build whose plan follows the change
(``feedpub watch``'s builds for a change), and what such a build does not plan again.

A feed shows the live records with its term (the site's, all of them), so only the feeds of the
terms the changed records had before or have after, and of any record a duplicate id shadows
or brings back, can show anything new; labels are the exception (a term's label is its first
record's, which a change elsewhere can move), so the pipeline compares a digest of them too.
The directory page shows every feed: the facts of those a change leaves alone are stored here
as the last build planned them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence

from feedpub.state.values import Footprint, StoredFacts

__all__ = ["feed_facts", "footprint", "remember_facts", "shown_by"]

#: The site feed's row in ``feed_facts`` (a category's term is never empty).
_SITE = ""


def footprint(db: sqlite3.Connection, paths: Sequence[str]) -> Footprint:
    """The terms and periods the records of ``paths`` show, and the records shadowed now."""
    rids = [
        rid
        for (rid,) in db.execute(
            "SELECT rid FROM records WHERE path IN (SELECT value FROM json_each(?))",
            (json.dumps(list(paths)),),
        )
    ]
    shadowed = frozenset(rid for (rid,) in db.execute("SELECT rid FROM records WHERE shadowed = 1"))
    return shown_by(db, rids) | Footprint(frozenset(), frozenset(), shadowed)


def shown_by(db: sqlite3.Connection, rids: Iterable[int]) -> Footprint:
    """The terms and periods of the records ``rids`` that still exist."""
    chosen = json.dumps(sorted(rids))
    terms = db.execute(
        "SELECT DISTINCT term FROM record_categories WHERE rid IN (SELECT value FROM json_each(?))",
        (chosen,),
    )
    periods = db.execute(
        "SELECT DISTINCT period FROM records WHERE rid IN (SELECT value FROM json_each(?))",
        (chosen,),
    )
    return Footprint(frozenset(t for (t,) in terms), frozenset(p for (p,) in periods))


def feed_facts(db: sqlite3.Connection) -> dict[str | None, StoredFacts]:
    """Each subscription feed's facts as the last build planned them, by term."""
    return {
        (None if term == _SITE else term): StoredFacts(entries, newest, archive)
        for term, entries, newest, archive in db.execute("SELECT * FROM feed_facts")
    }


def remember_facts(
    db: sqlite3.Connection,
    facts: dict[str | None, StoredFacts],
    scope: Collection[str] | None,
) -> None:
    """Store ``facts``: in place of all stored (``scope`` None), or of the site feed's and
    ``scope``'s (a category in scope with no facts now has no feed any more)."""
    if scope is None:
        db.execute("DELETE FROM feed_facts")
    else:
        db.execute(
            "DELETE FROM feed_facts WHERE term = ? OR term IN (SELECT value FROM json_each(?))",
            (_SITE, json.dumps(sorted(scope))),
        )
    db.executemany(
        "INSERT INTO feed_facts VALUES (?, ?, ?, ?)",
        [
            (_SITE if term is None else term, f.entries, f.newest, f.archive)
            for term, f in facts.items()
        ],
    )
