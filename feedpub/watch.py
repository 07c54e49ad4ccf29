"""``feedpub watch``: publish within a second or two of a change, not at the next cron minute.

A :class:`Watcher` runs the same build as ``feedpub build`` (same run, state, targets, pings and
history) once at start, then again whenever its change source says the records changed: file
events for a folder, ``NOTIFY`` for PostgreSQL (:mod:`feedpub.records.changes`). A burst of
saves is one build: after the first change it waits for a quiet period with no other (at most
:data:`LONGEST_SETTLE` seconds). It also builds when the next embargoed entry falls due (the
state knows when: :func:`feedpub.status.next_embargo`), and every ``recheck`` seconds anyway, in
case an event was missed. A build for a change looks only at the published documents it
renders (``check_output=False``: the rest are trusted as the last build left them, so its cost
follows the change, not the site's size); the start, scheduled and recheck builds look at every
document, so a file deleted or defaced under the watcher is written again by the next of those
(within ``recheck`` seconds), as cron's builds do. A folder's events also name the files that
changed (``ChangeSource.take``): a build for a change looks at those files alone (``paths``),
not at the whole folder, unless the events leave a doubt; the other builds walk the folder, so
a file changed without an event is found by the next of those. Builds never overlap: one loop
runs them, and the change source holds the site's lock for the watcher's whole life (so cron,
kept as a safety net, exits 75 until the watcher dies, then takes over). A database's advisory
lock lives on a session, which can break mid-build: there the source lends the lock to each
build, which holds it on its own session (``ChangeSource.lend``), so a broken listener never
leaves a build running unlocked. The articles the builds read are kept between them (a bounded
:class:`~feedpub.pipeline.BodyMemo`), so a story that re-renders its month's archive page reads
itself, not the whole month again.

Four things keep its memory from growing a little with every build. Each build ends with a
full collection (:func:`gc.collect`): a build makes and drops hundreds of thousands of small
objects (a walk's listing, the state's rows), CPython keeps some of those freed last on its free
lists (tuples, lists, dicts, floats), which it clears only on a full collection (rare in a
quiet process), and one object left in an arena of its allocator keeps the whole MiB; without
it each recheck pinned one or two more arenas, with no more objects alive. Before it, each
build empties CPython's type cache (:func:`sys._clear_type_cache`): that cache of attribute
lookups (4,096 slots) holds a reference to the name of each lookup it remembers, and some
names are made afresh on every call, so at a new address and in another slot: every text file
opened looks up its codec's ``incrementaldecoder`` (or ``incrementalencoder``) by such a name
(the owner marker each build reads, the mark each heartbeat writes). Each name (67 bytes)
outlived its build until another lookup took its slot (up to some two hundred at once), and one
left in an arena the build had mapped for its peak kept that arena from going back: a watcher's
memory grew with its first rechecks, then levelled off as names went as fast as they came. And
its builds walk the folder in this process (``parallel_walk=False``): a pool of workers forked
for every recheck's walk brought its threads into the watcher each time, and memory went on
growing by some 1 MiB a recheck (the threads' own C allocator arenas and more of Python's), for
a walk no faster once the files' metadata is cached (see benchmarks/README.md). The collection
takes some 10 ms at 100,000 records, after the build has published and reported. Last, after
the collection, glibc's ``malloc_trim(0)`` gives the C heap's free pages back to the system
(2-11 ms at 100,000 records; nothing where the C library has none). Once a build has freed a
block of some MiB that glibc had mapped on its own (the builds for changes do, at 100,000
records), glibc raises its mmap and trim thresholds to that block's size: the next build's large
temporaries (a recheck's listing and rows, SQLite's pages) then come from the heap, and the free
pages they leave at its top stay mapped, under the new trim threshold. The first recheck after
some saves kept some 3 MiB more that way, for good; and the heaps of the threads that received
a pool's renderings kept what their largest build had used. What a recheck may still add once,
by design, is one wholly free arena of Python's allocator (1 MiB), which CPython keeps rather
than map and unmap one at every peak.

The loop reads no wall clock of its own for the builds: ``clock`` is the "now" each build gets
(tests and previews inject one); waiting is measured on the monotonic clock. ``stop`` ends it:
a build under way finishes first. Its mark in the state folder (:mod:`feedpub.state.watcher`)
tells ``feedpub status`` that it runs, refreshed every ``heartbeat`` seconds.
"""

from __future__ import annotations

import gc
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from feedpub import heap
from feedpub.errors import FeedpubError
from feedpub.output.targets import open_target
from feedpub.pipeline import BodyMemo, BuildReport
from feedpub.records.changes import ChangeSource
from feedpub.site import Run, build_site
from feedpub.state.watcher import WatcherMark, clear_mark, write_mark
from feedpub.status import next_embargo

__all__ = ["LENT_LOCK_WAIT", "LONGEST_SETTLE", "WatchSettings", "Watcher"]


#: However busy the saves, the first of them waits at most this long for its build.
LONGEST_SETTLE = 1.0
#: How long a build waits for the site's lock when its change source lends it (a cron build
#: that took it in between finishes first).
LENT_LOCK_WAIT = 60.0
#: The longest the loop waits without looking at ``stop``.
_SLICE = 0.5


@dataclass(frozen=True)
class WatchSettings:
    """How a watcher builds and waits."""

    #: Seconds without another change before a burst of saves is built.
    quiet: float = 0.1
    #: Seconds between full checks when nothing was heard (a missed event is caught then).
    recheck: float = 300.0
    #: Seconds between heartbeats of the watcher's mark.
    heartbeat: float = 10.0
    strict: bool = False
    #: Validate every assembled document whole too (``feedpub build --paranoid``).
    paranoid: bool = False
    ping: bool = True


class Watcher:
    """Builds ``run`` whenever ``changes`` says the records changed (see the module docstring)."""

    def __init__(
        self,
        run: Run,
        changes: ChangeSource,
        clock: Callable[[], datetime],
        stop: threading.Event,
        settings: WatchSettings | None = None,
        *,
        on_report: Callable[[BuildReport, str, datetime], None] = lambda *_: None,
        on_error: Callable[[FeedpubError, str, datetime], None] = lambda *_: None,
        on_beat: Callable[[], None] = lambda: None,
        checkpoint: Callable[[], None] = lambda: None,
    ) -> None:
        """Watch ``run`` (whose lock ``changes`` holds); each build's report goes to
        ``on_report`` with why it ran ("start", "change", "scheduled", "recheck") and its
        clock, and a build stopped by an error to ``on_error``; ``on_beat`` after each
        heartbeat between builds (the CLI writes its metrics file then); ``checkpoint`` as a
        build goes (between record files read and documents written), where it may raise to
        abandon the build at a point that leaves nothing half-written."""
        self.run = run
        self.changes = changes
        self.clock = clock
        self.stop = stop
        self.settings = settings or WatchSettings()
        self.on_report = on_report
        self.on_error = on_error
        self.on_beat = on_beat
        self.checkpoint = checkpoint
        #: How many builds ran (finished or failed).
        self.builds = 0
        self._recovered = False
        #: The clock the last build ran with.
        self._built_at = datetime.min.replace(tzinfo=UTC)
        self._mark: WatcherMark | None = None
        #: The articles its builds read, kept for the next (bounded: see :class:`BodyMemo`).
        self.memo = BodyMemo()

    def watch(self) -> int:
        """Build once, then whenever needed until ``stop`` is set; return the builds run."""
        started = self.clock().timestamp()
        self._mark = WatcherMark(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=started,
            heartbeat=started,
            interval=self.settings.heartbeat,
            source=self.changes.kind,
        )
        self._mark_alive()
        # The mark beats on its own thread, so that a long build (a cold one of a large site)
        # does not make the watcher look dead; it writes one small file and nothing else.
        beating = threading.Event()
        heart = threading.Thread(
            target=self._heart, args=(beating,), name="feedpub-watch-heartbeat", daemon=True
        )
        heart.start()
        try:
            self._loop()
        finally:
            beating.set()
            heart.join()
            clear_mark(self.run.state_dir, os.getpid())
        return self.builds

    def _heart(self, stopped: threading.Event) -> None:
        while not stopped.wait(self.settings.heartbeat):
            self._mark_alive()

    def _loop(self) -> None:
        settings = self.settings
        pending = "start"
        beat_at = time.monotonic() + settings.heartbeat
        recheck_at = due_at = float("inf")
        while not self.stop.is_set():
            if pending and self.changes.ready:
                self._build(pending)
                pending = ""
                now = time.monotonic()
                recheck_at = now + settings.recheck
                due_at = self._due_at(now)
                beat_at = now  # the metrics show this build at once
            now = time.monotonic()
            if now >= beat_at:
                self.on_beat()
                beat_at = now + settings.heartbeat
            wake = min(beat_at, recheck_at, due_at)
            if self.changes.wait(min(max(wake - now, 0.0), _SLICE)):
                self._settle()
                pending = "change"
            elif not pending:
                now = time.monotonic()
                if now >= due_at:
                    pending = "scheduled"
                elif now >= recheck_at:
                    pending = "recheck"

    def _settle(self) -> None:
        """Wait for a quiet period with no other change (at most LONGEST_SETTLE in all)."""
        until = time.monotonic() + LONGEST_SETTLE
        while not self.stop.is_set():
            left = until - time.monotonic()
            if left <= 0 or not self.changes.wait(min(self.settings.quiet, left)):
                return

    def _due_at(self, now: float) -> float:
        """When (monotonic) the next embargoed entry falls due, by the build's clock. One due
        by the clock of the build just run should have gone out with it: if the state still
        names it (that build failed), the next change or recheck retries, not a busy loop."""
        due = next_embargo(self.run.state_dir)
        if due is None or due <= self._built_at:
            return float("inf")
        return now + max(due.timestamp() - self.clock().timestamp(), 0.0)

    def _build(self, why: str) -> None:
        try:
            self._build_once(why)
        finally:
            # The names the type cache holds (see the module docstring) and the free lists go
            # back to the allocator, and the arenas they pinned with them; then the C heap's
            # free pages go back to the system.
            sys._clear_type_cache()
            gc.collect()
            heap.trim()

    def _build_once(self, why: str) -> None:
        moment = self._built_at = self.clock()
        self.builds += 1
        # Taken by every build, so that what a walk covers is not named to the next one.
        named = self.changes.take()
        try:
            with self.changes.lend() as held:
                report = build_site(
                    self.run,
                    now=moment,
                    strict=self.settings.strict,
                    paranoid=self.settings.paranoid,
                    ping=self.settings.ping,
                    # Lent: a cron build that slipped in between finishes first.
                    wait=0.0 if held else LENT_LOCK_WAIT,
                    lock_held=held,
                    recover=False,  # once, below
                    # A change's build trusts the documents it does not render (see above).
                    check_output=why != "change",
                    # Only what the events named, for a change; the others walk everything.
                    paths=named if why == "change" else None,
                    progress=lambda *_: self.checkpoint(),
                    memo=self.memo,
                    parallel_walk=False,  # no pool each recheck: see the module docstring
                )
        except FeedpubError as exc:
            self.on_error(exc, why, moment)
            return
        if not self._recovered:
            # The lock is held for good and only this process writes: what a killed writer left
            # in the target is cleared once, after the first build (which checked the target is
            # this state folder's), not by every build (a walk of the whole output).
            open_target(self.run.out, self.run.config.target).recover()
            self._recovered = True
        self.on_report(report, why, moment)

    def _mark_alive(self) -> None:
        if self._mark is None:
            return
        self._mark = replace(self._mark, heartbeat=self.clock().timestamp(), builds=self.builds)
        with suppress(OSError):  # a full disk: status calls the watcher gone, the builds say why
            write_mark(self.run.state_dir, self._mark)
