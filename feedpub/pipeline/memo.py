"""The articles a long-lived process's builds read, kept for its next builds.

``feedpub watch`` builds again on every change; one new story re-renders its month's archive
page, whose few thousand bodies the last build read already. A :class:`BodyMemo` keeps them, as
the record contract loaded them, keyed by what such an article depends on: the record (its
``rid``, path and id in the state, all new when its file is parsed again) and its digest (an
edited record has another), all under one :class:`~feedpub.records.rules.RecordRules`
fingerprint (other rules drop them all). It holds at most ``limit`` articles, the least recently
shown leaving first, so that a watcher's memory does not grow with the site.

The loader returns a record only with the digest the build planned with (one saved again while
the build reads it is left out, and published by the next build), so that an article kept
here is always the one its key names.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedpub.model import Article
    from feedpub.records.rules import RecordRules
    from feedpub.state import IndexedEntry

__all__ = ["MEMO_RECORDS", "BodyMemo"]

#: How many articles a memo keeps by default (~115 MB at 100,000 benchmark records, ~6 KB an
#: article): four rendering batches (:data:`feedpub.pipeline.bodies.BATCH_RECORDS`), more than
#: a change's build shows: its month's archive pages (hundreds to a few thousand records at
#: 100,000, some 8,000 at 1,000,000) and the newest entries of the site and of its categories.
MEMO_RECORDS = 20000


class BodyMemo:
    """Articles as loaded by earlier builds (see the module docstring)."""

    def __init__(self, limit: int = MEMO_RECORDS) -> None:
        """An empty memo keeping at most ``limit`` articles."""
        if limit < 0:
            raise ValueError("a memo's limit is a count of articles, 0 or more")
        self.limit = limit
        self._rules = ""
        # rid -> ((digest, path, id) it was loaded as, the article), least recently used first.
        self._kept: OrderedDict[int, tuple[tuple[str, str, str], Article]] = OrderedDict()

    def __len__(self) -> int:
        """How many articles are kept."""
        return len(self._kept)

    def recall(
        self, rules: RecordRules, entries: Iterable[IndexedEntry]
    ) -> tuple[dict[int, Article], list[IndexedEntry]]:
        """The kept articles of ``entries`` (by rid) loaded under ``rules``, and the entries
        whose articles are not kept (to be loaded). Other rules than the last: none is kept."""
        self._under(rules)
        found: dict[int, Article] = {}
        missing: list[IndexedEntry] = []
        kept = self._kept
        for entry in entries:
            hit = kept.get(entry.rid)
            if hit is not None and hit[0] == (entry.digest, entry.path, entry.id):
                kept.move_to_end(entry.rid)
                found[entry.rid] = hit[1]
            else:
                missing.append(entry)
        return found, missing

    def keep(
        self,
        rules: RecordRules,
        entries: Mapping[int, IndexedEntry],
        loaded: Mapping[int, Article],
    ) -> None:
        """Keep the ``loaded`` articles of ``entries`` (by rid), loaded under ``rules``; the
        least recently used leave beyond the limit."""
        self._under(rules)
        kept = self._kept
        for rid, article in loaded.items():
            entry = entries[rid]
            kept[rid] = ((entry.digest, entry.path, entry.id), article)
            kept.move_to_end(rid)
        while len(kept) > self.limit:
            kept.popitem(last=False)

    def _under(self, rules: RecordRules) -> None:
        """Drop every article if ``rules`` are not those they were loaded under."""
        fingerprint = rules.fingerprint()
        if fingerprint != self._rules:
            self._kept.clear()
            self._rules = fingerprint
