"""Answers a full plan asks of every live record, kept in the state by archive period: the
categories' archive pages (a grouped walk of every record's categories) and the archive pages
whose entries show relabelled categories. A new ``limit``, title or format plans every document
again from records that did not change, and a build after a one-record edit plans every document
(it looks at every published file) though one period's records changed; at 100,000 records the
two walks took 0.45 s of each such plan, on one core.

Each period's answer is kept beside the fingerprint of the site's archive page of that period,
which every live record of the period is on (the period's live and due records counted, with
two sums of numbers taken from their digests). A record added, removed, edited, drafted,
shadowed, falling due or moved to another period changes its period's fingerprint, and only
the periods whose fingerprints moved are asked again. What else an answer takes (the labels
shown) is its ``extra``: when that moves, every period is asked again. The record rules, which
make the terms and the periods, are part of the state database's identity (a new one starts
empty).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable
from typing import Any

from feedpub.state.opening import meta, set_meta
from feedpub.state.values import ArchivePage

__all__ = ["kept_by_period"]

#: Rows of an answer: each starts ``(feed term, period, ...)``.
Rows = list[list[Any]]


def kept_by_period(
    db: sqlite3.Connection,
    name: str,
    site_pages: Iterable[ArchivePage],
    extra: str,
    ask: Callable[[Collection[str] | None], Rows],
) -> Rows:
    """The answer ``name``: each period's rows as kept while the site's page of that period
    (``site_pages``) and ``extra`` are as they were, the rest from ``ask(periods)`` (``None``:
    every period), kept for the next plan; in the order ``ask`` gives for every period."""
    now = {page.period: page.fingerprint for page in site_pages}
    held = _held(meta(db, f"kept {name}"))
    before: dict[str, str] = held["pages"] if held.get("extra") == extra else {}
    moved = [period for period, fingerprint in now.items() if before.get(period) != fingerprint]
    if not moved:
        rows: Rows = [row for row in held.get("rows", ()) if row[1] in now]
    elif len(moved) == len(now):
        rows = ask(None)
    else:
        changed = set(moved)
        fresh = ask(moved)
        rows = [row for row in held["rows"] if row[1] in now and row[1] not in changed]
        rows = sorted(rows + fresh, key=lambda row: (row[0] is not None, row[0] or "", row[1]))
    if moved or len(before) != len(now):
        kept = {"extra": extra, "pages": now, "rows": rows}
        set_meta(db, f"kept {name}", json.dumps(kept, separators=(",", ":")))
    return rows


def _held(stored: str | None) -> dict[str, Any]:
    """What :func:`kept_by_period` stored (nothing for anything else)."""
    try:
        held = json.loads(stored) if stored is not None else {}
    except ValueError:
        return {}
    ok = isinstance(held, dict) and isinstance(held.get("pages"), dict)
    return held if ok and isinstance(held.get("rows"), list) else {}
