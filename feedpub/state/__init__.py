"""The build state: what the last build read and published, so a rebuild costs what changed.

It is only a cache: missing, corrupt or from another version, it is thrown
away and rebuilt from the records, with byte-identical feeds as the result.
Its storage (SQLite tables, JSON columns, row tuples) never leaves this
package: the pipeline talks to :class:`BuildState` through typed methods.
"""

from __future__ import annotations

from feedpub.state.cache import BuildState, open_state, record_deliveries
from feedpub.state.values import (
    ArchivePage,
    Changes,
    Duplicate,
    FileProblem,
    Footprint,
    IndexedEntry,
    LabelConflict,
    LastBuild,
    OwedHub,
    OwedUrl,
    PublishedFeed,
    ShownEntry,
    StoredFacts,
)

__all__ = [
    "ArchivePage",
    "BuildState",
    "Changes",
    "Duplicate",
    "FileProblem",
    "Footprint",
    "IndexedEntry",
    "LabelConflict",
    "LastBuild",
    "OwedHub",
    "OwedUrl",
    "PublishedFeed",
    "ShownEntry",
    "StoredFacts",
    "open_state",
    "record_deliveries",
]
