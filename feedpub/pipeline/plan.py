"""Planning: which feeds exist now, which entries each shows, and which must be rendered.

Every function here answers a question and writes nothing: the plan is a
value the render and publish stages read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub.digest import digest_bytes, digest_text
from feedpub.model import Category, Format
from feedpub.output.paths import FEED_FILES, FeedLinks, feed_folder
from feedpub.state import BuildState, IndexedEntry, LastBuild, PublishedFeed

if TYPE_CHECKING:
    from feedpub.config import SiteConfig

__all__ = [
    "FileCheck",
    "PlannedFeed",
    "check_file",
    "plan_feeds",
    "render_reason",
    "stale_files",
    "still_current",
]


@dataclass(frozen=True)
class PlannedFeed:
    """One output file that should exist now: its format, entries and the digest of what it
    shows (entries, labels, config, feedpub version)."""

    path: str
    term: str | None
    fmt: Format
    entries: tuple[IndexedEntry, ...]
    digest: str
    links: FeedLinks

    def keys(self) -> tuple[tuple[str, str], ...]:
        """(entry id, record digest) of each entry, as the state remembers them."""
        return tuple((e.id, e.digest) for e in self.entries)


def plan_feeds(
    state: BuildState,
    config: SiteConfig,
    categories: dict[str, Category],
    now: float | None,
    version: str,
) -> list[PlannedFeed]:
    """Every feed that should exist now, main feed first, then categories by term."""
    # Entries show their categories' first labels: a label change re-renders every feed.
    labels = digest_text(*(f"{c.term}\x1e{c.label}\x1e{c.scheme}" for c in categories.values()))
    feeds: list[PlannedFeed] = []
    for term in [None, *categories]:
        entries = tuple(state.newest(term, config.limit, now))
        if term is not None and not entries:
            continue  # a category with no live entry has no feed (an old one is removed)
        shown = categories[term] if term is not None else None
        links = FeedLinks(feed_folder(term), hubs=config.hubs)
        for fmt in config.formats:
            digest = digest_text(
                version,
                config.fingerprint,
                fmt,
                term or "",
                labels,
                f"{shown.label}\x1e{shown.scheme}" if shown else "",
                *(f"{e.id}\x1e{e.digest}" for e in entries),
            )
            feeds.append(PlannedFeed(links.path(fmt), term, fmt, entries, digest, links))
    return feeds


class FileCheck(enum.Enum):
    """How a published file compares with what the last build wrote there."""

    AS_WRITTEN = "as written"  # same size and mtime
    TOUCHED = "touched"  # same bytes, a new mtime (a copy or sync tool)
    MISSING = "missing"
    CHANGED = "changed"  # other bytes: something else wrote it


def check_file(out_dir: Path, path: str, feed: PublishedFeed) -> tuple[FileCheck, int]:
    """Compare a published file with the record of it; also return its mtime.

    Size and mtime decide at once; a file only touched since is hashed."""
    try:
        stat = (out_dir / path).stat()
    except FileNotFoundError:
        return FileCheck.MISSING, 0
    if (stat.st_size, stat.st_mtime_ns) == (feed.size, feed.mtime_ns):
        return FileCheck.AS_WRITTEN, stat.st_mtime_ns
    if stat.st_size != feed.size or digest_bytes((out_dir / path).read_bytes()) != feed.sha:
        return FileCheck.CHANGED, stat.st_mtime_ns
    return FileCheck.TOUCHED, stat.st_mtime_ns


def still_current(
    last: LastBuild | None,
    published: dict[str, PublishedFeed],
    checks: dict[str, FileCheck],
    now: float | None,
) -> bool:
    """True when the last build's feeds still stand: it finished, with the same kind of clock,
    nothing fell due since, and every published file holds what it wrote."""
    if last is None or not last.complete or not published:
        return False
    if last.clocked != (now is not None):
        return False
    if last.next_due is not None and now is not None and now >= last.next_due:
        return False
    return all(checks.get(path) in (FileCheck.AS_WRITTEN, FileCheck.TOUCHED) for path in published)


def render_reason(
    feed: PlannedFeed, before: PublishedFeed | None, check: FileCheck | None
) -> str | None:
    """Why ``feed`` must be rendered, or ``None`` when the published file already shows it."""
    if before is None:
        return "new feed"
    if before.digest != feed.digest:
        return "entries, labels or config changed"
    if check is FileCheck.MISSING:
        return "the published file was missing"
    if check is FileCheck.CHANGED:
        return "the published file was changed by something else"
    return None


def stale_files(out_dir: Path, published: dict[str, PublishedFeed], planned: set[str]) -> list[str]:
    """Feed files no planned feed writes: known to the state, or left on disk by feedpub's own
    names (a format no longer configured, a category with no entry left)."""
    stale = {path for path in published if path not in planned}
    for name in FEED_FILES.values():
        if name not in planned and (out_dir / name).is_file():
            stale.add(name)
    folder = out_dir / "category"
    if folder.is_dir():
        for term_dir in folder.iterdir():
            for name in FEED_FILES.values():
                relative = f"category/{term_dir.name}/{name}"
                if relative not in planned and (term_dir / name).is_file():
                    stale.add(relative)
    return sorted(stale)
