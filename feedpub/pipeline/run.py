"""A whole build: read the records, plan the feeds, render and validate, publish, report.

A run costs what changed: only new or changed record files are parsed, only
feeds whose entries changed are rendered (each once, also with ``--strict``),
and only the bodies of entries a rendered feed shows are read.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from feedpub.errors import RecordWarning
from feedpub.output.paths import CONTENT_TYPES, content_type_of, is_subscription_path
from feedpub.output.targets import PublishTarget, open_target
from feedpub.pipeline.announcing import announce_owed, owed_now
from feedpub.pipeline.bodies import render_in_batches
from feedpub.pipeline.cutting import cuttable
from feedpub.pipeline.memo import BodyMemo
from feedpub.pipeline.outcome import Recorder, StageClock
from feedpub.pipeline.pages import (
    PagesAhead,
    PlannedPage,
    plan_pages,
    publish_pages,
    remember_facts,
)
from feedpub.pipeline.plan import (
    FileCheck,
    PageEntries,
    PlannedFeed,
    check_file,
    collector_paused,
    plan_feeds,
    render_reason,
    stale_files,
    still_current,
)
from feedpub.pipeline.read import FEEDS_WRITTEN, Progress, RecordsRead, id_changes, read_records
from feedpub.pipeline.reframing import reframable, reframed_in_order
from feedpub.pipeline.rendering import RenderedFeed, staging_for
from feedpub.pipeline.report import BuildReport, FeedOutcome
from feedpub.pipeline.scope import labels_digest, narrow_scope, published_in
from feedpub.pipeline.spool import Spool
from feedpub.records.source import RecordSource, open_source
from feedpub.state import BuildState, LastBuild, OwedUrl, PublishedFeed, open_state
from feedpub.version import __version__

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.websub import PingPolicy

__all__ = ["build", "check", "current_time"]


def current_time() -> datetime:
    """The clock a build reads when it is given no ``now`` (the CLI's default and the
    library's alike); tests replace it, so that none reads the wall clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Job:
    """What one build was asked to do."""

    source: RecordSource
    target: PublishTarget
    config: SiteConfig
    #: The build's clock (POSIX seconds): entries dated later are withheld.
    now: float
    strict: bool
    dry_run: bool
    progress: Progress | None
    #: Clear what a killed writer left in the target first (see :func:`build`'s ``recover``).
    recover: bool = True
    check_output: bool = True  # look at every published document (see :func:`build`)
    memo: BodyMemo | None = None  # articles earlier builds read (see :func:`build`)
    paths: frozenset[str] | None = None  # only these record files may have changed
    paranoid: bool = False  # validate every assembled document whole too
    parallel_walk: bool = True  # a large folder's walk shared with workers (see :func:`build`)


@contextmanager
def _locked(
    source: RecordSource,
    state_dir: Path | None,
    target: PublishTarget,
    wait: float,
    dry_run: bool,
    held: bool = False,
) -> Iterator[None]:
    """Hold the source's lock (the state folder's flock, or a database's advisory lock), and
    within it the target's session (a folder refuses another state folder's output).
    ``held``: the caller holds that lock already (``feedpub watch``, for its whole life)."""
    with (
        nullcontext() if held else source.lock(state_dir, wait),
        target.session(state_dir, dry_run=dry_run),
    ):
        yield


def build(
    articles_dir: Path,
    out_dir: Path | str | PublishTarget,
    config: SiteConfig,
    *,
    state_dir: Path | None = None,
    full: bool = False,
    now: datetime | None = None,
    strict: bool = False,
    dry_run: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    ping: bool = True,
    ping_policy: PingPolicy | None = None,
    lock_held: bool = False,
    recover: bool = True,
    check_output: bool = True,
    memo: BodyMemo | None = None,
    paths: frozenset[str] | None = None,
    paranoid: bool = False,
    parallel_walk: bool = True,
) -> BuildReport:
    """Build and publish every feed; return what happened.

    A bad record is reported and left out; an invalid feed is reported and not
    written (the previous file stays). With ``strict``, nothing is written when
    anything is bad. An entry published after ``now`` is withheld until it is
    due (``now=None``: the current time, as ``feedpub build``). ``state_dir`` keeps the build
    state between runs (``None``: a fresh in-memory one, a full build) and
    holds the lock, waiting up to ``wait`` seconds for another build
    (:class:`~feedpub.errors.LockedError` after that). ``dry_run`` writes nothing.
    ``out_dir`` is a folder, an ``s3://bucket/prefix/`` URL or a :class:`PublishTarget`.
    When ``config.source`` names a database, the records are its rows (``articles_dir`` is
    not read) and the lock is the site's advisory lock there, shared by every host.

    After publishing, and after releasing the lock, each of ``config.hubs`` is told of the
    subscription documents written or removed (and of those earlier builds could not
    announce), as ``ping_policy`` says, all hubs together within ``hub_timeout``; a hub that
    fails is a warning, never an error (one owed for over ``hub_warn_after``, an alert).
    ``ping=False`` only remembers them.

    ``lock_held``: the caller already holds the site's lock (``feedpub watch`` holds it for its
    whole life, through :func:`feedpub.records.changes.open_changes`), so the build does not
    take it again. ``recover=False`` skips clearing what a killed writer left in the target (a
    walk of the whole output folder): the watcher does it once when it takes the lock, and no
    writer but its own, whose failures clean up after themselves, runs while it holds it.

    ``check_output`` looks at every document the last build published (a ``stat`` each), so
    that one missing or changed by something else is written again. ``False`` looks only at
    those this build renders and trusts the rest as the last build left them: ``feedpub
    watch``'s builds for a change, whose cost must follow the change, not the site's size.

    ``memo`` keeps the articles this build reads for the next build given it, which reads
    again only those it does not keep (new, edited or long unshown records): ``feedpub
    watch`` passes one for its whole life, so a story re-rendering its month's archive page
    does not read that month's records again. ``None`` (``feedpub build``) keeps nothing.

    ``paths``: the record files (relative posix paths under ``articles_dir``) that may have
    changed since the last build, as ``feedpub watch``'s file events name them. Only those
    are looked at (by the walk's rules), not the whole folder: a file changed without being
    named is seen by the next build without ``paths`` (``None``, every ``feedpub build``:
    walk it all). A walk is done anyway when only it can tell (a folder among them, a
    symbolic link, something the walk reports, a database's rows).

    Each document is assembled from its entries, each rendered and validated once per format,
    and its frame, validated on its own (:mod:`feedpub.pipeline.rendering`); ``paranoid``
    validates every assembled document whole as well (``feedpub build --paranoid``).

    ``parallel_walk``: a large folder's walk is shared with worker processes (a pool forked for
    the walk). ``feedpub watch`` walks in its own process: a pool each recheck left its memory
    a little larger every time, for no shorter walk there (see :mod:`feedpub.watch`).
    """
    started = time.perf_counter()
    if now is None:
        now = current_time()
    # The history (state/history.py) records how every build ends, failures and lock-outs
    # included; a dry run changes nothing, so it records nothing either.
    recorder = Recorder(None if dry_run else state_dir, now.timestamp())
    try:
        target = open_target(out_dir, config.target) if isinstance(out_dir, str | Path) else out_dir
        with (
            open_source(articles_dir, config.source, config.records) as source,
            _locked(source, state_dir, target, wait, dry_run, lock_held),
            open_state(
                state_dir, __version__, config.records.fingerprint(), scratch=dry_run, full=full
            ) as run,
        ):
            recorder.begin()
            job = _Job(source, target, config, now.timestamp(), strict, dry_run, progress)
            job = replace(job, recover=recover, check_output=check_output, memo=memo)
            job = replace(job, paths=paths, paranoid=paranoid, parallel_walk=parallel_walk)
            (report, owed), note = run(lambda state: _build_and_settle(state, job))
    except BaseException as exc:
        recorder.failed(exc, time.perf_counter() - started)
        raise
    # The lock is released: the next build may start while the hubs are told.
    report.index_note = note
    with StageClock(report.stages).stage("announce"):
        announce_owed(
            report,
            owed,
            config,
            state_dir=state_dir,
            ping=ping,
            policy=ping_policy,
            now=now.timestamp(),
        )
    report.elapsed = time.perf_counter() - started
    recorder.finished(report)
    return report


def _build_and_settle(state: BuildState, job: _Job) -> tuple[BuildReport, dict[str, list[OwedUrl]]]:
    """Build, then take stock (still under the lock) of what the hubs are owed."""
    report = _build(state, job)
    return report, owed_now(state, job.config, report, dry_run=job.dry_run)


def check(articles_dir: Path, config: SiteConfig) -> BuildReport:
    """Check every record (nothing is rendered or written); the report lists every problem."""
    started = time.perf_counter()
    with (
        open_source(articles_dir, config.source, config.records) as source,
        BuildState(None, __version__, config.records.fingerprint()) as state,
    ):
        report = BuildReport(dry_run=True)
        _note_records(report, state, source, config, bodies=True, progress=None)
    report.elapsed = time.perf_counter() - started
    return report


def _note_records(
    report: BuildReport,
    state: BuildState,
    source: RecordSource,
    config: SiteConfig,
    *,
    bodies: bool,
    progress: Progress | None,
    paths: frozenset[str] | None = None,
    footprint: bool = False,
    parallel_walk: bool = True,
) -> RecordsRead:
    read = read_records(
        state,
        source,
        config,
        bodies=bodies,
        progress=progress,
        paths=paths,
        footprint=footprint,
        parallel_walk=parallel_walk,
    )
    report.records_read = read.records
    report.records_changed = read.records_changed
    report.records_bad = read.bad
    report.errors.extend(read.errors)
    report.warnings.extend(read.warnings)
    return read


def _build(state: BuildState, job: _Job) -> BuildReport:
    report = BuildReport(dry_run=job.dry_run)
    clock = StageClock(report.stages)  # read, plan, render, publish: seconds each
    with clock.stage("read"):
        read = _note_records(
            report,
            state,
            job.source,
            job.config,
            bodies=False,
            progress=job.progress,
            paths=job.paths,
            parallel_walk=job.parallel_walk,
            # Only a build that trusts what it does not render may plan only what changed.
            footprint=not job.check_output,
        )
    changed = read.changed
    planning = time.perf_counter()
    with collector_paused():  # many small objects, no cycle
        last = state.last_build()
        if changed and not job.dry_run:
            state.start_build()  # until every planned feed is published, nothing is trusted
        categories = state.categories() if changed else None
        # Documents are trusted unlooked-at only after a build that finished: one that failed
        # or was killed may have recorded documents its last batch never put in place.
        look = job.check_output or last is None
        scope = None
        if categories is not None and not look:
            # A build for a change plans only the feeds the change touches (pipeline/scope.py).
            scope = narrow_scope(
                read.touched,
                last,
                now=job.now,
                feeds=job.config.published_fingerprint,
                headers=job.target.headers(),
                labels=labels_digest(categories),
            )
        published = published_in(state, scope)
        checks: dict[str, tuple[FileCheck, int]] = {}
        if not changed:
            if look:  # else each is trusted as the last build left it
                checks = {
                    path: check_file(job.target, path, feed) for path, feed in published.items()
                }
            verdicts = {
                path: checks[path][0] if checks else FileCheck.AS_WRITTEN for path in published
            }
            fingerprints = (job.config.published_fingerprint, job.target.headers())
            if still_current(last, published, verdicts, job.now, *fingerprints):
                # Nothing read changed, nothing fell due, every published file is as written: done.
                _remember_touched(state, published, checks, job.dry_run)
                report.feeds = [FeedOutcome(path, "unchanged") for path in sorted(published)]
                clock.add("plan", time.perf_counter() - planning)
                return report
        if not job.dry_run and job.recover and last is None:
            # A build killed mid-write left its temporary files and no word of how it ended (a
            # finished one left none; one folder, one state): a walk removes dead writers' files.
            job.target.recover()
        if categories is None:
            categories = state.categories()
        feeds = plan_feeds(state, job.config, categories, job.now, __version__, scope, published)
        pages = plan_pages(state, job.config, feeds, categories, job.now, __version__, scope)
        if not job.dry_run:
            remember_facts(state, pages, scope)
        reasons: dict[str, str] = {}
        planned: list[PlannedFeed | PlannedPage] = [*feeds, *pages]
        for feed in planned:
            before = published.get(feed.path)
            verdict = None
            if before is not None and before.digest == feed.digest and look:
                if feed.path not in checks:
                    checks[feed.path] = check_file(job.target, feed.path, before)
                verdict = checks[feed.path][0]
            reason = render_reason(feed, before, verdict)
            if reason is not None:
                reasons[feed.path] = reason
        _remember_touched(state, published, checks, job.dry_run)
        # Those whose entries are as published get a new frame around them (pipeline/reframing.py).
        framed = reframable(
            [f for f in feeds if f.path in reasons], published, job.target, job.config
        )
        # Archive pages' entries are read a batch at a time, as they are looked at.
        to_render = [f for f in feeds if f.path in reasons and f.path not in framed]
        moved_ids = id_changes(state, job.source, to_render, PageEntries(state, job.now))
        report.warnings.extend(moved_ids)
        body_warnings: list[RecordWarning] = []
        outcomes = {
            feed.path: _outcome(
                feed, published.get(feed.path), reasons.get(feed.path, ""), job.dry_run
            )
            for feed in feeds
        }
        outcomes.update(
            (p.path, FeedOutcome(p.path, "unchanged", reasons.get(p.path, ""))) for p in pages
        )
        clock.add("plan", time.perf_counter() - planning)
    # The pages for people, rendered from the state between documents (pipeline/pages.py).
    ahead = PagesAhead(job.config, state, job.source, [p for p in pages if p.path in reasons],
                       workers=job.memo is None, dry_run=job.dry_run)  # fmt: skip
    rendered: Iterator[RenderedFeed] = iter(())
    spool = None
    # Not in a dry run, nor under --strict (which may publish none of them).
    staging = staging_for(job.target, writing=not (job.dry_run or job.strict))
    batches = render_in_batches(  # lazy: reads and renders nothing until asked
        job.source, job.config, categories, to_render, body_warnings, ahead, job.memo,
        entries=PageEntries(state, job.now), paranoid=job.paranoid, staging=staging,
        cuts=cuttable(to_render, published, job.target, job.config),  # entries as published
    )  # fmt: skip
    if framed:
        reframed = [f for f in feeds if f.path in framed]
        batches = reframed_in_order(
            state, batches, reframed, framed, published, job.target, job.config, categories,
            paranoid=job.paranoid, staging=staging,
        )  # fmt: skip
    if job.strict:
        # --strict publishes all or nothing: every feed is rendered (once) and proved valid
        # before any is written; the bytes wait in a spool file, not in memory.
        invalid = False
        if not report.errors and not moved_ids:
            spool = Spool()
            for done in clock.timed("render", batches):
                spool.add(done)
                invalid = invalid or not done.valid
        report.warnings.extend(dict.fromkeys(body_warnings))  # once, if in two batches
        report.strict_withheld = bool(report.errors or moved_ids or invalid)
        if report.strict_withheld:
            report.feeds = [
                replace(outcome, action="withheld", reason="--strict and something was bad")
                if path in reasons
                else outcome
                for path, outcome in outcomes.items()
            ]
            if spool is not None:
                spool.close()
            return report
        if spool is not None:
            rendered = spool.feeds()
    else:
        rendered = clock.timed("render", batches)

    if not job.dry_run and (to_render or framed):
        state.start_build()  # a build killed while writing leaves the next one to plan again
    # The documents, then the pages for people, share their trips to the disk (a folder syncs
    # once per few hundred files, not twice per file), renamed into place in this order.
    with job.target.batched():
        try:
            for number, done in enumerate(rendered, 1):
                with clock.stage("publish"):
                    outcome, warnings = _publish(state, job, done, outcomes[done.feed.path])
                    ahead.step()  # a page for people, while the workers make the next ones
                outcomes[done.feed.path] = outcome
                report.warnings.extend(warnings)
                if job.progress is not None:
                    job.progress(number, len(to_render) + len(framed), FEEDS_WRITTEN)
        finally:
            # A failed write must not leave the render workers alive: forked, they hold the
            # lock's descriptor too, and the next build would find the lock taken.
            if isinstance(rendered, Generator):
                rendered.close()
        with clock.stage("publish"):  # the pages for people, once every feed they link to is up
            paged = publish_pages(state, job.target, ahead, outcomes, job.dry_run)
            outcomes.update(paged)
        # The rest of publishing (the last syncs, headers sent again, stale documents removed,
        # the state's record of it) is counted from here; the render time apart, as it passes.
        publishing = time.perf_counter()
    if spool is not None:
        spool.close()
    else:
        report.warnings.extend(dict.fromkeys(body_warnings))  # once, if in two batches
    headers = job.target.headers()
    if headers and (last is None or last.headers != headers):
        _resend(state, job, published, set(reasons), outcomes)
    report.feeds = list(outcomes.values())
    # The state vouches for the target only when the last build finished: one killed or
    # failed (or none, in a new state) may have written documents it never recorded.
    vouched = last is not None
    claimed = job.config.pages.enabled
    stale = stale_files(
        job.target,
        published,
        set(outcomes),
        vouched=vouched,
        pages=claimed,
        ask_target=scope is None,
    )
    with job.target.batched():  # the removals share their folders' syncs
        for relative in stale:
            if not job.dry_run and job.target.remove(relative):
                _owe_hubs(state, job, relative)
            before = published.get(relative)
            reason = "no feed is planned there now (no entry left, or its format is off)"
            removed = tuple(i for i, _ in before.entries) if before and job.dry_run else ()
            report.feeds.append(FeedOutcome(relative, "removed", reason, removed=removed))
        if not job.dry_run:
            state.forget_feeds(stale)
    if not job.dry_run:
        state.finish_build(
            LastBuild(
                # An invalid feed, or entries an edit during the build kept out: plan again.
                complete=not (report.count("invalid") or body_warnings),
                clocked=True,  # every build has a clock now (the CLI's and the library's)
                next_due=state.next_due(job.now),
                feeds=job.config.published_fingerprint,
                headers=job.target.headers(),
                labels=labels_digest(categories),
            )
        )
    clock.add("publish", time.perf_counter() - publishing)
    return report


def _resend(
    state: BuildState,
    job: _Job,
    published: dict[str, PublishedFeed],
    rendered: set[str],
    outcomes: dict[str, FeedOutcome],
) -> None:
    """The target's headers changed since (or may have, after a killed build): send every
    document this build did not render again as it stands, so that each carries the new
    headers; nothing is parsed or rendered, and a document already sent with them is left."""
    for path, before in published.items():
        if path in rendered or path not in outcomes:
            continue
        data = job.target.read(path)
        if data is None:
            continue
        kind = content_type_of(path)
        if job.dry_run:
            written = not job.target.holds(path, data, kind)
        else:
            written, stat = job.target.write_if_changed(path, data, kind)
            if written:
                state.record_feed(path, before._replace(size=stat.size, mtime_ns=stat.stamp))
        if written:
            outcomes[path] = replace(
                outcomes[path], action="written", reason="sent again with the target's headers"
            )


def _owe_hubs(state: BuildState, job: _Job, path: str) -> None:
    """A subscription document was written or removed: until told, every hub is owed it.
    Remembered at once, so that a run that fails or is killed later forgets nothing."""
    if job.config.syndication.hubs and is_subscription_path(path):
        url = urljoin(job.config.feed.feeds_url, path)
        state.owe_hubs(job.config.syndication.hubs, url, job.now)


def _remember_touched(
    state: BuildState,
    published: dict[str, PublishedFeed],
    checks: dict[str, tuple[FileCheck, int]],
    dry_run: bool,
) -> None:
    """A published file only touched since (same bytes): remember its new mtime."""
    if dry_run:
        return
    for path, (verdict, mtime_ns) in checks.items():
        if verdict is FileCheck.TOUCHED:
            state.record_feed(path, published[path]._replace(mtime_ns=mtime_ns))


def _publish(
    state: BuildState, job: _Job, rendered: RenderedFeed, outcome: FeedOutcome
) -> tuple[FeedOutcome, list[RecordWarning]]:
    """Write one rendered feed if it is valid (and changed), and remember what was written."""
    feed = rendered.feed
    warnings = [
        RecordWarning(p.message, path=feed.path, line=p.line, field=p.rule)
        for p in rendered.problems
        if p.level == "warning"
    ]
    if rendered.dropped:
        shown = len(feed.entries) - rendered.dropped
        where = " (they stay in its archive pages)" if job.config.syndication.archive else ""
        warnings.append(
            RecordWarning(
                f"over max_bytes ({job.config.syndication.max_bytes:,} bytes): shows its "
                f"{shown} newest entries, the {rendered.dropped} oldest left out{where}",
                path=feed.path,
                field="max_bytes",
            )
        )
    content_type = CONTENT_TYPES[feed.fmt]
    if not rendered.valid:
        return replace(
            outcome,
            action="invalid",
            reason="failed validation; previous file kept",
            problems=tuple(rendered.problems),
        ), warnings
    if job.dry_run:
        unchanged = job.target.holds(feed.path, rendered.data, content_type)
        return replace(outcome, action="unchanged" if unchanged else "written"), warnings
    written, stat, sha = rendered.put(job.target, content_type)
    if not rendered.kept:  # the id each URL is published under now, for id_changes
        state.remember_urls((e.url, e.id) for e in feed.entries if e.url is not None)
    if written:
        _owe_hubs(state, job, feed.path)
    state.record_feed(
        feed.path,
        PublishedFeed(
            feed.digest,
            stat.size,
            stat.stamp,
            sha,
            feed.keys(),
            rendered.framing,
        ),
    )
    return replace(outcome, action="written" if written else "unchanged"), warnings


def _outcome(feed: PlannedFeed, before: PublishedFeed | None, why: str, dry: bool) -> FeedOutcome:
    # A dry run lists entries' ids; a build's report kept every document's (11 MB at 100,000).
    if not dry or (before is not None and before.digest == feed.digest):
        return FeedOutcome(feed.path, "unchanged", why)
    old = dict(before.entries) if before is not None else {}
    new = dict(feed.keys())
    return FeedOutcome(
        feed.path,
        "unchanged",
        why,
        added=tuple(i for i in new if i not in old),
        updated=tuple(i for i in new if i in old and old[i] != new[i]),
        removed=tuple(i for i in old if i not in new),
    )
