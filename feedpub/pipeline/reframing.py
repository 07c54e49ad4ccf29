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

The same holds across documents: a new ``archive`` of a longer period (``month`` to
``year``) makes pages whose entries are those of the published pages of the shorter periods
they cover, newest first. Each archive page's framing keeps the fingerprint of its entries
(their number and two sums of numbers from their records' digests, as the plan's
``ArchivePage.fingerprint``) and the shape they were made with (``PlannedFeed.shape``: the
site's domain, the feed, the format, feedpub's version and the labels shown, as an epoch that
changes when a known term's label does, not when a term comes or goes). A new
page is the published pages under its period joined in its new frame
(:func:`~feedpub.output.assembly.joined`) when each was made with its shape and their
fingerprints add up to its own: its entries are then theirs, and, periods of one kind being
spans of time, in their order. Any other is rendered: a shorter period, a week across two
years, a record edited or a label changed meanwhile, a page's file changed.

A subscription document under ``max_bytes`` is always rendered: the cap may leave out other
entries under a new frame. A file that changed between the plan and its reading is not written
(an invalid outcome: the previous file stays, the next build renders it).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from feedpub.digest import digest_bytes
from feedpub.errors import Problem
from feedpub.model import Category, Format
from feedpub.output.assembly import Framing, joined, newest_facts
from feedpub.output.paths import FeedLinks, archives_folder
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

#: A published document whose entries a new one takes: (its path, its bytes' digest, its
#: framing as the state keeps it).
_Source = tuple[str, str, str]
#: A document to frame anew, as sent to a worker: (path, format, term, links, the published
#: documents whose entries it shows, in order (itself, or the pages it joins), its body digest
#: and fingerprint (for the pages it joins), the name of the temporary file to write it to or
#: "").
_Spec = tuple[str, Format, str | None, FeedLinks, tuple[_Source, ...], str, str, str]
#: A document framed anew: its bytes (empty when staged), what validation found, its new
#: framing's text (``""``: its file was not as written), where it was staged, its bytes' digest.
_Done = tuple[bytes, list[Problem], str, Staged | None, str]


def reframable(
    feeds: list[PlannedFeed],
    published: dict[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
) -> dict[str, tuple[str, ...]]:
    """Of ``feeds`` (those to render), those that can be framed anew, each with the published
    documents whose entries it shows, in order: itself (its entries' bytes are the published
    ones), or the archive pages of the shorter periods it covers (see the module docstring).
    Each of those files holds what was written. Their framings are not kept here: they are
    read again where they are framed (at 100,000 records with archives, 65,398 kept here held
    32 MB of this process)."""
    found: dict[str, tuple[str, ...]] = {}
    capped = config.syndication.max_bytes is not None
    shorter: dict[tuple[str, str], dict[str, str]] | None = None  # built when first asked

    def as_written(path: str) -> bool:
        verdict = check_file(target, path, published[path])[0]
        return verdict in (FileCheck.AS_WRITTEN, FileCheck.TOUCHED)

    for feed in feeds:
        before = published.get(feed.path)
        if before is not None:  # its own entries, if they are the published ones
            if not feed.body or (capped and not feed.links.archive):
                continue
            framing = Framing.parse(before.frame)
            if framing is not None and framing.body == feed.body and as_written(feed.path):
                found[feed.path] = (feed.path,)
            continue
        # A page at a new path may be a longer period's: the published pages are looked
        # through once, for the first one.
        if feed.period is None or not feed.fingerprint:
            continue
        if shorter is None:
            shorter = _archive_pages(published)
        sources = _covered(feed, shorter, published)
        if sources and all(map(as_written, sources)):
            found[feed.path] = sources
    return found


def _archive_pages(published: Mapping[str, PublishedFeed]) -> dict[tuple[str, str], dict[str, str]]:
    """The published archive pages by (their feed's archive folder, file name), then period:
    their paths."""
    pages: dict[tuple[str, str], dict[str, str]] = {}
    for path in published:
        folder, _, name = path.rpartition("/")
        under, archive, period = folder.rpartition("archive/")
        if archive and period and "/" not in period:
            pages.setdefault((f"{under}archive/", name), {})[period] = path
    return pages


def _covered(
    feed: PlannedFeed,
    pages: Mapping[tuple[str, str], Mapping[str, str]],
    published: Mapping[str, PublishedFeed],
) -> tuple[str, ...]:
    """The published pages whose entries, joined newest first, are ``feed``'s (an archive page
    of a longer period than theirs); none if they cannot be shown to be."""
    assert feed.period is not None
    within = pages.get((archives_folder(feed.term), feed.path.rpartition("/")[2]), {})
    start = f"{feed.period}-"
    periods = sorted((p for p in within if p.startswith(start)), reverse=True)
    total = [0, 0, 0]
    for period in periods:
        framing = Framing.parse(published[within[period]].frame)
        if framing is None or not framing.fingerprint or framing.shape != feed.shape:
            return ()
        for i, number in enumerate(framing.fingerprint.split(".")):
            total[i] += int(number)
    if not periods or ".".join(map(str, total)) != feed.fingerprint:
        return ()
    return tuple(within[period] for period in periods)


def reframed_in_order(
    state: BuildState,
    rendered: Generator[RenderedFeed, None, None],
    feeds: list[PlannedFeed],
    sources: Mapping[str, tuple[str, ...]],
    published: dict[str, PublishedFeed],
    target: PublishTarget,
    config: SiteConfig,
    categories: dict[str, Category],
    *,
    paranoid: bool = False,
    staging: Staging | None = None,
) -> Generator[RenderedFeed, None, None]:
    """``rendered`` (in the order documents are published) with ``feeds`` framed anew
    around the entries of the ``sources`` :func:`reframable` found for them, in their places in
    that order. One whose file turns out not to hold what was written loses its framing in
    ``state``. ``staging`` (``target``, a folder): the new documents are written beside their
    paths where framed."""
    ordered = sorted(feeds, key=publish_order)
    specs: list[_Spec] = [
        (
            f.path,
            f.fmt,
            f.term,
            f.links,
            tuple((p, published[p].sha, published[p].frame) for p in sources[f.path]),
            f.body,
            f.fingerprint,
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
            if not framing and feed.path in published:
                # its file is not what was written: the next build renders it
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
    sources: tuple[_Source, ...],
    body: str,
    fingerprint: str,
    name: str,
) -> _Done:
    """The document at ``path``: the entries of ``sources`` in its new frame (written to the
    temporary file ``name`` beside it when it is valid and new, if ``name`` is given), what
    validation found, its new framing."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    category = shared["categories"].get(term or "")
    frames: Frames = shared["frames"]
    framings = [Framing.parse(kept) for _, _, kept in sources]
    assert all(framings)  # reframable read them
    parsed = cast("list[Framing]", framings)
    facts = parsed[0].facts if len(parsed) == 1 else newest_facts([f.facts for f in parsed])
    frame, problems = frames.frame(fmt, category, facts, config.feed, links, path)
    held: list[bytes] = []
    for source, sha, _ in sources:
        data = shared["target"].read(source)
        if data is None or digest_bytes(data) != sha:
            break
        held.append(data)
    done: tuple[bytes, Framing] | None = None
    if len(held) == len(sources) and sources[0][0] == path:
        done = parsed[0].reframe(held[0], frame)
    elif len(held) == len(sources):
        done = joined(list(zip(parsed, held, strict=True)), frame, body, fingerprint)
    if done is None:  # a source not as written (the first not read, or one of them)
        source = sources[len(held) if len(held) < len(sources) else 0][0]
        message = (
            "changed while this build ran; the previous file is kept, the next build renders it"
            if source == path
            else f"takes its entries from {source}, which changed while this build ran; the"
            " next build renders it"
        )
        return b"", [Problem(path, None, "error", "published-file", message)], "", None, ""
    document, framed = done
    if problems or shared["paranoid"]:
        problems = validate_feed(document, source=path, publishing=True)
    staging = shared["target"] if name else None  # a name is given only to a Staging target
    own = held[0] if sources[0][0] == path else None
    staged = stage_valid(staging, path, document, name, problems, held=own)
    if staged is None:
        return document, problems, framed.text(), None, ""
    return b"", problems, framed.text(), staged, digest_bytes(document)
