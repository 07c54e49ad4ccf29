"""The incremental cache: what the last build read and published, so a rebuild costs what changed.

It is only a cache: missing, corrupt or from another version, it is thrown
away and rebuilt from the records, with byte-identical feeds as the result.
Its storage (SQLite tables, encodings) never leaves this package.
"""

from __future__ import annotations

from feedpub.state.index import Index, IndexedEntry, PublishedFeed, SyncResult

__all__ = ["Index", "IndexedEntry", "PublishedFeed", "SyncResult"]
