"""Which category labels the entries show that their own records do not say.

An entry shows each of its categories with the label (and scheme) first read for its term,
which another record may give. A feed's digest holds its entries' record digests, so it
already stands for every label an entry's own record gives; what it must add is only the
label of each term one of its entries shows *relabelled*: these, found here. A site whose
records agree on every label has none, and a new label changes only the feeds that show it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping

from feedpub.model import Category
from feedpub.state.opening import meta_object, set_meta

__all__ = ["labels_epoch", "relabelled", "relabelled_pages"]

#: A record's category whose shown label or scheme is not its own. The categories are read in
#: table order (CROSS JOIN keeps them the outer loop) and each looks its term up in the labels
#: shown: looking each row up through an index by term instead would fetch every row's scheme
#: at random.
_MOVED = """
moved(rid, term) AS MATERIALIZED (
    SELECT rc.rid, rc.term FROM record_categories rc CROSS JOIN temp.shown_labels s
    WHERE s.term = rc.term AND (rc.label != s.label OR rc.scheme IS NOT s.scheme)
)
"""


def _load_shown(db: sqlite3.Connection, categories: Mapping[str, Category]) -> None:
    """The labels shown, by term, in a temporary table of this connection (nothing of the
    state is written): a join probes it by key, where a table made of a JSON parameter
    would be scanned for every row."""
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS shown_labels"
        " (term TEXT PRIMARY KEY, label TEXT NOT NULL, scheme TEXT) WITHOUT ROWID"
    )
    db.execute("DELETE FROM temp.shown_labels")
    db.executemany(
        "INSERT INTO temp.shown_labels VALUES (?, ?, ?)",
        [(c.term, c.label, c.scheme) for c in categories.values()],
    )


def relabelled(
    db: sqlite3.Connection, categories: Mapping[str, Category], rids: Iterable[int]
) -> dict[int, set[str]]:
    """The terms each of ``rids`` shows with a label or scheme not its own (``categories``:
    the label shown for each term); records that show only their own are left out."""
    found: dict[int, set[str]] = {}
    rows = db.execute(
        "SELECT rid, term, label, scheme FROM record_categories"
        " WHERE rid IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(rids))),),
    )
    for rid, term, label, scheme in rows:
        shown = categories.get(term)
        if shown is not None and (shown.label, shown.scheme) != (label, scheme):
            found.setdefault(rid, set()).add(term)
    return found


def relabelled_pages(
    db: sqlite3.Connection,
    categories: Mapping[str, Category],
    now: float | None,
    by_category: bool,
    feeds: Collection[str | None] | None = None,
    periods: Collection[str] | None = None,
) -> dict[tuple[str | None, str], set[str]]:
    """For each archive page (feed term, ``None`` for the site's, and period), the terms its
    live entries show with a label or scheme not their own; pages without any are left out.
    ``by_category=False``: the site's pages only; ``feeds``: those feeds' pages only (``None``
    among them: the site's); ``periods``: the pages of those periods only."""
    site = feeds is None or None in feeds
    terms = None if feeds is None else sorted(t for t in feeds if t is not None)
    _load_shown(db, categories)
    values = {
        "due": float("inf") if now is None else now,
        "terms": json.dumps(terms or []),
        "periods": json.dumps(sorted(periods or ())),
    }
    live = "r.draft = 0 AND r.shadowed = 0 AND r.published <= :due"
    chosen = "" if terms is None else "AND f.term IN (SELECT value FROM json_each(:terms))"
    if periods is None:
        # Every period: the relabelled categories first (one pass over them), then their records.
        moved = f"WITH {_MOVED}"
        site_rows = f"""
            SELECT NULL, r.period, m.term FROM moved m JOIN records r ON r.rid = m.rid
            WHERE {live} GROUP BY r.period, m.term"""
        category_rows = f"""
            SELECT f.term, r.period, m.term FROM moved m JOIN records r ON r.rid = m.rid
            JOIN record_categories f ON f.rid = m.rid
            WHERE {live} {chosen} GROUP BY f.term, r.period, m.term"""
    else:
        # A few periods: their records first (by period), then their categories.
        moved = ""
        joined = """records r JOIN record_categories m ON m.rid = r.rid
            JOIN temp.shown_labels s ON s.term = m.term {}"""
        few = f"""WHERE r.period IN (SELECT value FROM json_each(:periods)) AND {live}
            AND (m.label != s.label OR m.scheme IS NOT s.scheme)"""
        site_rows = f"""
            SELECT NULL, r.period, m.term FROM {joined.format("")} {few}
            GROUP BY r.period, m.term"""
        category_rows = f"""
            SELECT f.term, r.period, m.term
            FROM {joined.format("JOIN record_categories f ON f.rid = r.rid")} {few} {chosen}
            GROUP BY f.term, r.period, m.term"""
    parts = ([site_rows] if site else []) + ([category_rows] if by_category and terms != [] else [])
    if not parts:
        return {}
    rows = db.execute(f"{moved} {' UNION ALL '.join(parts)}", values)
    found: dict[tuple[str | None, str], set[str]] = {}
    for feed, period, term in rows:
        found.setdefault((feed, period), set()).add(term)
    return found


def labels_epoch(db: sqlite3.Connection, categories: Mapping[str, Category]) -> int:
    """A number that changes whenever the label or scheme shown for a term the last build
    knew changes (a term that comes or goes changes no entry already made: no record of an
    old page had a new term, and an unchanged one still has its terms). Kept with each
    archive page's framing: a page made in this epoch shows its entries as they are shown now.
    The labels shown are kept in the state for the next build to compare (a value this
    version did not write is a corrupt cache: ``sqlite3.DatabaseError``, and the build starts
    again from an empty state, whose epoch no page made before can have)."""
    shown = {c.term: f"{c.label}\x1e{c.scheme or ''}" for c in categories.values()}
    before = meta_object(db, "labels shown", {"epoch": int, "labels": dict})
    epoch: int = before["epoch"] if before is not None else 0
    old: dict[str, object] = before["labels"] if before is not None else {}
    if any(shown.get(term, label) != label for term, label in old.items()):
        epoch += 1
    if old != shown or before is None:
        set_meta(db, "labels shown", json.dumps({"epoch": epoch, "labels": shown}))
    return epoch
