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
from collections.abc import Iterable, Mapping

from feedpub.model import Category

__all__ = ["relabelled", "relabelled_pages"]

#: The labels shown, as a table to join (one JSON parameter: any number of terms).
_SHOWN = """
shown(term, label, scheme) AS (
    SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(:shown)
)
"""
#: A record's category whose shown label or scheme is not its own. The categories are read in
#: table order (CROSS JOIN keeps them the outer loop): looking each row up through an index
#: by term would fetch every row's scheme at random.
_MOVED = """
moved(rid, term) AS MATERIALIZED (
    SELECT rc.rid, rc.term FROM record_categories rc CROSS JOIN shown s
    WHERE s.term = rc.term AND (rc.label != s.label OR rc.scheme IS NOT s.scheme)
)
"""


def _shown(categories: Mapping[str, Category]) -> str:
    return json.dumps([[c.term, c.label, c.scheme] for c in categories.values()])


def relabelled(
    db: sqlite3.Connection, categories: Mapping[str, Category], rids: Iterable[int]
) -> dict[int, set[str]]:
    """The terms each of ``rids`` shows with a label or scheme not its own (``categories``:
    the label shown for each term); records that show only their own are left out."""
    found: dict[int, set[str]] = {}
    rows = db.execute(
        f"""
        WITH {_SHOWN}
        SELECT rc.rid, rc.term FROM record_categories rc JOIN shown s ON s.term = rc.term
        WHERE rc.rid IN (SELECT value FROM json_each(:rids))
            AND (rc.label != s.label OR rc.scheme IS NOT s.scheme)
        """,
        {"shown": _shown(categories), "rids": json.dumps(sorted(set(rids)))},
    )
    for rid, term in rows:
        found.setdefault(rid, set()).add(term)
    return found


def relabelled_pages(
    db: sqlite3.Connection,
    categories: Mapping[str, Category],
    now: float | None,
    by_category: bool,
) -> dict[tuple[str | None, str], set[str]]:
    """For each archive page (feed term, ``None`` for the site's, and period), the terms its
    live entries show with a label or scheme not their own; pages without any are left out.
    ``by_category=False``: the site's pages only."""
    due = float("inf") if now is None else now
    category_pages = """
        UNION ALL
        SELECT f.term, r.period, m.term FROM moved m JOIN records r ON r.rid = m.rid
        JOIN record_categories f ON f.rid = m.rid
        WHERE r.draft = 0 AND r.shadowed = 0 AND r.published <= :due
        GROUP BY f.term, r.period, m.term
    """
    rows = db.execute(
        f"""
        WITH {_SHOWN}, {_MOVED}
        SELECT NULL, r.period, m.term FROM moved m JOIN records r ON r.rid = m.rid
        WHERE r.draft = 0 AND r.shadowed = 0 AND r.published <= :due
        GROUP BY r.period, m.term
        {category_pages if by_category else ""}
        """,
        {"shown": _shown(categories), "due": due},
    )
    found: dict[tuple[str | None, str], set[str]] = {}
    for feed, period, term in rows:
        found.setdefault((feed, period), set()).add(term)
    return found
