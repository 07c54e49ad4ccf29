"""Answers a full plan asks of every live record, kept in the state while those records are the
same: the categories' archive pages (a grouped walk of every record's categories) and the
archive pages whose entries show relabelled categories. A new ``limit``, title or format plans
every document again from records that did not change; at 100,000 records the two walks took
0.45 s of each such plan, on one core, before anything was rendered.

An answer is kept under a key: a digest of the site's archive pages, which every live record is
on (each period's live and due records, counted, and two sums of numbers taken from their
digests: the fingerprint each page has already), and of what else the answer takes (the labels
shown). A record added, removed, edited, drafted, shadowed, falling due or moved to another
period changes the key; the record rules, which make the terms and the periods, are part of
the state database's identity (a new one starts empty).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from feedpub.digest import digest_text
from feedpub.state.opening import meta, set_meta
from feedpub.state.values import ArchivePage

__all__ = ["kept_rows", "live_key"]


def live_key(site_pages: Iterable[ArchivePage], *more: str) -> str:
    """The key of an answer about the live records whose site archive pages are
    ``site_pages`` (and which takes ``more`` besides)."""
    return digest_text(*more, *(f"{page.period}\x1e{page.fingerprint}" for page in site_pages))


def kept_rows(
    db: sqlite3.Connection, name: str, key: str, rows: Callable[[], list[list[Any]]]
) -> list[list[Any]]:
    """The answer ``name`` kept under ``key``; else ``rows()``, kept under it for the next
    plan (in place of the one kept before)."""
    stored = meta(db, f"kept {name}")
    if stored is not None:
        held, _, answer = stored.partition("\n")
        if held == key:
            found: list[list[Any]] = json.loads(answer)
            return found
    made = rows()
    set_meta(db, f"kept {name}", f"{key}\n{json.dumps(made, separators=(',', ':'))}")
    return made
