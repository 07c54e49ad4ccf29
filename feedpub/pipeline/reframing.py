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

Into a folder (a :class:`~feedpub.output.targets.base.Staging` target) the workers also write
each new document beside its path, in a temporary file named for this process, and send back
only its digest: this process puts the files in place in its order, and a document's bytes
never travel to it (a new title rewrites every document: 3.7 GB at 100,000 records with
archives). Those a build stopped early never took are removed once its workers are gone; one
taken but not put in place yet is its batch's to drop (or, if the build dies, the next build's
to clear, as any temporary file of a dead writer).

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
from feedpub.output.paths import FeedLinks
from feedpub.output.publish import Staged, staged_name
from feedpub.output.targets.base import Staging
from feedpub.parallel import ordered_map
from feedpub.pipeline.bodies import publish_order
from feedpub.pipeline.documents import stage_valid
from feedpub.pipeline.frames import Frames
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
#: bytes' digest, their framing as the state keeps it, the name of the temporary file to
#: write it to or "").
_Spec = tuple[str, Format, str | None, FeedLinks, str, str, str]
#: A document framed anew: its bytes (empty when staged), what validation found, its new
#: framing's text (``""``: its file was not as written), where it was staged, its bytes' digest.
_Done = tuple[bytes, list[Problem], str, Staged | None, str]


def reframable(
    feeds: list[PlannedFeed],
    published: dict[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
) -> set[str]:
    """Of ``feeds`` (those to render), the paths that can be framed anew: their entries'
    bytes are the published ones, and their files hold what was written. Their framings are
    not kept here: they are read again where they are framed (at 100,000 records with
    archives, 65,398 kept here held 32 MB of this process)."""
    found: set[str] = set()
    capped = config.syndication.max_bytes is not None
    for feed in feeds:
        before = published.get(feed.path)
        if before is None or not feed.body or (capped and not feed.links.archive):
            continue
        framing = Framing.parse(before.frame)
        if framing is None or framing.body != feed.body:
            continue
        if check_file(target, feed.path, before)[0] in (FileCheck.AS_WRITTEN, FileCheck.TOUCHED):
            found.add(feed.path)
    return found


def reframed_in_order(
    state: BuildState,
    rendered: Generator[RenderedFeed, None, None],
    feeds: list[PlannedFeed],
    published: dict[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
    categories: dict[str, Category],
    *,
    paranoid: bool = False,
    staging: Staging | None = None,
) -> Generator[RenderedFeed, None, None]:
    """``rendered`` (in the order documents are published) with ``feeds`` framed anew
    (:func:`reframable` found them) in their places in that order. One whose
    file turns out not to hold what was written loses its framing in ``state``. ``staging``
    (``target``, a folder): the new documents are written beside their paths where framed."""
    ordered = sorted(feeds, key=publish_order)
    specs: list[_Spec] = [
        (
            f.path,
            f.fmt,
            f.term,
            f.links,
            published[f.path].sha,
            published[f.path].frame,
            staged_name() if staging is not None else "",
        )
        for f in ordered
    ]
    jobs = [specs[i : i + _PER_JOB] for i in range(0, len(specs), _PER_JOB)]
    shared = {
        "target": target,
        "config": config,
        "categories": categories,
        "paranoid": paranoid,
        "frames": Frames(),
    }
    # A folder (a target its workers may write for) is read in the workers too; another
    # target's client stays in this process.
    alone = not isinstance(target, Staging) or len(specs) < _PARALLEL_MIN
    results = ordered_map(_reframe_job, jobs, shared, min_jobs=len(jobs) + 1 if alone else 2)
    handed: set[str] = set()

    def framed() -> Iterator[RenderedFeed]:
        done = (each for result in results for each in result)
        for feed, (data, problems, framing, staged, sha) in zip(ordered, done, strict=True):
            if not framing:  # its file is not what was written: the next build renders it
                state.record_feed(feed.path, published[feed.path]._replace(frame=""))
            yield RenderedFeed(
                feed, data, tuple(problems), framing=framing, staged=staged, sha=sha, kept=True
            )

    merged = heapq.merge(rendered, framed(), key=lambda done: publish_order(done.feed))
    try:
        for each in merged:
            yield each
            handed.add(each.feed.path)  # asked for the next: this one was taken
    finally:
        rendered.close()
        if isinstance(results, Generator):  # its workers end with it
            results.close()
        if staging is not None:  # what the workers wrote and this build never took
            for path, *_, name in specs:
                if name and path not in handed:
                    staging.unstage(path, name)


def _reframe_job(shared: dict[str, Any], specs: list[_Spec]) -> list[_Done]:
    return [_reframe(shared, *spec) for spec in specs]


def _reframe(
    shared: dict[str, Any],
    path: str,
    fmt: Format,
    term: str | None,
    links: FeedLinks,
    sha: str,
    kept: str,
    name: str,
) -> _Done:
    """The document at ``path`` with its entries in a new frame (written to the temporary file
    ``name`` beside it when it is valid and new, if ``name`` is given), what validation found,
    its new framing."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    category = shared["categories"].get(term or "")
    frames: Frames = shared["frames"]
    framing = Framing.parse(kept)
    assert framing is not None  # reframable read it
    frame, problems = frames.frame(fmt, category, framing.facts, config.feed, links, path)
    data = shared["target"].read(path)
    done = framing.reframe(data, frame) if data is not None and digest_bytes(data) == sha else None
    if done is None:
        message = (
            "changed while this build ran; the previous file is kept, the next build renders it"
        )
        return b"", [Problem(path, None, "error", "published-file", message)], "", None, ""
    document, framed = done
    if problems or shared["paranoid"]:
        problems = validate_feed(document, source=path, publishing=True)
    staging = shared["target"] if name else None  # a name is given only to a Staging target
    staged = stage_valid(staging, path, document, name, problems, held=data)
    if staged is None:
        return document, problems, framed.text(), None, ""
    return b"", problems, framed.text(), staged, digest_bytes(document)
