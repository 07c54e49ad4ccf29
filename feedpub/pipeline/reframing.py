"""Framing published documents anew: when what a document shows is the same and only its frame
changed (the site's title or description, its author, a hub, a link to a new archive page), its
entries are taken from the bytes already published, not rendered again from their records.

Each published document's :class:`~feedpub.output.assembly.Framing` is kept in the state: a
digest of what its entries' bytes are made of (``PlannedFeed.body``), the length of its head,
and what its frame took from its entries. A document whose plan has the same body digest, and
whose file holds exactly the bytes the last build wrote (a ``stat``, as every build checks them,
then its digest once read), is its new frame around the entries cut from those bytes: byte for
byte what rendering it whole gives (``tests/test_reframing.py``), with no record's body read.
The new frame is validated on its own, as on assembly, and the whole document when the frame
draws a finding (so that the findings name its lines) or with ``paranoid``.

A subscription document under ``max_bytes`` is always rendered: the cap may leave out other
entries under a new frame. A file that changed between the plan and its reading is not written
(an invalid outcome: the previous file stays, the next build renders it).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from feedpub.digest import digest_bytes
from feedpub.errors import Problem
from feedpub.model import Category, Format
from feedpub.output.assembly import Framing
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.output.targets.local import LocalFolder
from feedpub.parallel import ordered_map
from feedpub.pipeline.bodies import publish_order
from feedpub.pipeline.plan import FileCheck, PlannedFeed, check_file
from feedpub.pipeline.rendering import RenderedFeed
from feedpub.state import BuildState, PublishedFeed

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.targets import PublishTarget

__all__ = ["reframable", "reframed_in_order"]

#: Documents per job: each is a file read, a frame rendered and validated, a few microseconds
#: of joining.
_PER_JOB = 32
#: Below this many documents, framing them anew in worker processes costs more than it saves.
_PARALLEL_MIN = 64

#: A document to frame anew, as sent to a worker: (path, format, term, links, the published
#: bytes' digest, their framing).
_Spec = tuple[str, Format, str | None, FeedLinks, str, Framing]


def reframable(
    feeds: list[PlannedFeed],
    published: dict[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
) -> dict[str, Framing]:
    """Of ``feeds`` (those to render), the paths that can be framed anew, with their framing:
    their entries' bytes are the published ones, and their files hold what was written."""
    found: dict[str, Framing] = {}
    capped = config.syndication.max_bytes is not None
    for feed in feeds:
        before = published.get(feed.path)
        if before is None or not feed.body or (capped and not feed.links.archive):
            continue
        framing = Framing.parse(before.frame)
        if framing is None or framing.body != feed.body:
            continue
        if check_file(target, feed.path, before)[0] in (FileCheck.AS_WRITTEN, FileCheck.TOUCHED):
            found[feed.path] = framing
    return found


def reframed_in_order(
    state: BuildState,
    rendered: Generator[RenderedFeed, None, None],
    feeds: list[PlannedFeed],
    framings: dict[str, Framing],
    published: dict[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
    categories: dict[str, Category],
    *,
    paranoid: bool = False,
) -> Generator[RenderedFeed, None, None]:
    """``rendered`` (in the order documents are published) with ``feeds`` framed anew
    (:func:`reframable` found their ``framings``) in their places in that order. One whose
    file turns out not to hold what was written loses its framing in ``state``."""
    ordered = sorted(feeds, key=publish_order)
    specs: list[_Spec] = [
        (f.path, f.fmt, f.term, f.links, published[f.path].sha, framings[f.path]) for f in ordered
    ]
    jobs = [specs[i : i + _PER_JOB] for i in range(0, len(specs), _PER_JOB)]
    shared = {"target": target, "config": config, "categories": categories, "paranoid": paranoid}
    # A folder's files are read in the workers; another target's client stays in this process.
    alone = not isinstance(target, LocalFolder) or len(specs) < _PARALLEL_MIN
    results = ordered_map(_reframe_job, jobs, shared, min_jobs=len(jobs) + 1 if alone else 2)

    def framed() -> Iterator[RenderedFeed]:
        done = (each for result in results for each in result)
        for feed, (data, problems, framing) in zip(ordered, done, strict=True):
            if framing is None:  # its file is not what was written: the next build renders it
                state.record_feed(feed.path, published[feed.path]._replace(frame=""))
            yield RenderedFeed(feed, data, tuple(problems), framing=framing)

    merged = heapq.merge(rendered, framed(), key=lambda done: publish_order(done.feed))
    try:
        yield from merged
    finally:
        rendered.close()
        if isinstance(results, Generator):  # its workers end with it
            results.close()


def _reframe_job(
    shared: dict[str, Any], specs: list[_Spec]
) -> list[tuple[bytes, list[Problem], Framing | None]]:
    return [_reframe(shared, *spec) for spec in specs]


def _reframe(
    shared: dict[str, Any],
    path: str,
    fmt: Format,
    term: str | None,
    links: FeedLinks,
    sha: str,
    framing: Framing,
) -> tuple[bytes, list[Problem], Framing | None]:
    """The document at ``path`` with its entries in a new frame, what validation found, and
    its new framing."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    category = shared["categories"].get(term or "")
    frame = FORMATS[fmt].render_frame(category, framing.facts, config.feed, links)
    data = shared["target"].read(path)
    done = framing.reframe(data, frame) if data is not None and digest_bytes(data) == sha else None
    if done is None:
        message = (
            "changed while this build ran; the previous file is kept, the next build renders it"
        )
        return b"", [Problem(path, None, "error", "published-file", message)], None
    document, framed = done
    problems = validate_feed(frame.empty, source=path, publishing=True)
    if problems or shared["paranoid"]:
        problems = validate_feed(document, source=path, publishing=True)
    return document, problems, framed
