"""Entries cut from published documents: a subscription document to render that shows some
of the entries its published bytes carry (a new ``limit``, a new story at the top, an edit of
one of its records) takes those entries' bytes from its published file, and renders only the
others from their records.

A subscription document's :class:`~feedpub.output.assembly.Framing` keeps each entry
(:class:`~feedpub.output.assembly.KeptEntry`): a digest of what its bytes are made of (the plan's
``entry_keys``), their length, and what the frame takes from it. An entry of the plan with a
key the published document kept is cut from those bytes, byte for byte what rendering it gives
(``tests/test_cutting.py``); its record is not read. The document is put together and checked
as any other (``pipeline/rendering.py``): a frame validated on its own, unique ids; rendered
whole, its cut entries' records read then, where that leaves a doubt.

Only where the render workers can read the published file themselves (a folder) and read
the records they render (a source's loader), and not under ``max_bytes``, whose cap may leave
out other entries. A file whose bytes are not the ones the framing was kept for (deleted or
written over since the last build, or while this one ran) is found where it is read: the
document is rendered whole from its records then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedpub.output.assembly import Framing
from feedpub.output.targets.base import Staging
from feedpub.pipeline.plan import PlannedFeed
from feedpub.state import PublishedFeed

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.targets import PublishTarget

__all__ = ["Cut", "Cuts", "cuttable"]


@dataclass(frozen=True)
class Cut:
    """The entries a document to render takes from its published bytes."""

    #: The digest of the published bytes.
    sha: str
    #: Their framing, as the state keeps it (read where the document is put together).
    framing: str
    #: For each record whose entry is cut, the entry's place among the published ones.
    at: Mapping[int, int]


@dataclass(frozen=True)
class Cuts:
    """The documents of a build that take some entries from their published bytes."""

    #: Where they are published (read where each is put together).
    target: Staging
    #: Each one's :class:`Cut`, by path.
    by_path: Mapping[str, Cut]


def cuttable(
    feeds: list[PlannedFeed],
    published: Mapping[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
) -> Cuts | None:
    """Of ``feeds`` (those to render), the subscription documents that take some of their
    entries from their published bytes (``None``: none can). Their files are not looked at
    here: one that no longer holds what was written is found where it is read, and rendered
    whole."""
    found: dict[str, Cut] = {}
    if not isinstance(target, Staging) or config.syndication.max_bytes is not None:
        return None
    for feed in feeds:
        before = published.get(feed.path)
        if feed.period is not None or not feed.entry_keys or before is None or not before.frame:
            continue
        framing = Framing.parse(before.frame)
        if framing is None or not framing.entries:
            continue
        places = {kept.key: place for place, kept in enumerate(framing.entries)}
        at = {
            entry.rid: places[key]
            for entry, key in zip(feed.entries, feed.entry_keys, strict=True)
            if key in places
        }
        if at:
            found[feed.path] = Cut(before.sha, before.frame, at)
    return Cuts(target, found) if found else None
