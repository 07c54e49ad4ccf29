"""``feedpub watch`` gives back what a build made: each build ends with a full collection and
drops the names CPython's type cache holds, and its walks start no pool of workers (see
feedpub/watch.py: without these, a long-lived watcher's memory grew with its rechecks).

Python empties its free lists (tuples, lists, dicts, floats) only on a full collection; the
collection is seen here by its other effect: a reference cycle that only a collection of the
oldest generation can free is gone after a build. The type cache keeps a reference to each
name looked up through it (every text file opened looks one up, made afresh), so a name
looked up in the middle of a build must not outlive it.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import feedpub.pipeline.read
import feedpub.records.source
from feedpub import resolve_run
from feedpub.records.listing import Listing
from feedpub.site import build_site
from feedpub.watch import Watcher, WatchSettings
from tests.conftest import TEST_CLOCK
from tests.test_watch import Told, running_clock


class Cycle:
    """An object that refers to itself: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.itself = self


@contextmanager
def no_automatic_collection() -> Iterator[None]:
    """Only explicit :func:`gc.collect` calls free cycles meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def old_garbage() -> weakref.ref[Cycle]:
    """A cycle in the oldest generation, no longer reachable: a young collection leaves it."""
    cycle = Cycle()
    gc.collect()  # it survives, and moves to the oldest generation
    return weakref.ref(cycle)


def test_each_build_ends_with_a_full_collection(site: Path) -> None:
    run = resolve_run(site / "feedpub.toml")
    stop = threading.Event()
    reports: list[str] = []

    def report(_report: Any, why: str, _moment: Any) -> None:
        reports.append(why)
        stop.set()  # the loop ends after this build

    settings = WatchSettings(recheck=3600.0, ping=False)
    watcher = Watcher(run, Told(), running_clock(), stop, settings, on_report=report)
    with no_automatic_collection():
        gone = old_garbage()
        gc.collect(1)
        assert gone() is not None  # younger collections do not reach it
        assert watcher.watch() == 1
    assert reports == ["start"]
    assert gone() is None


def test_the_watcher_walks_in_its_own_process(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where ``feedpub build`` shares the walk of a large folder with workers (here every folder
    is large), the watcher's builds walk it themselves, its rechecks included."""
    walks: list[bool] = []
    walk = feedpub.records.source.find_record_files

    def noted(root: Path, *, parallel: bool = False, **rest: Any) -> Listing:
        walks.append(parallel)
        return walk(root, parallel=parallel, **rest)

    monkeypatch.setattr(feedpub.pipeline.read, "PARALLEL_WALK", 1)
    monkeypatch.setattr(feedpub.records.source, "find_record_files", noted)
    run = resolve_run(site / "feedpub.toml")
    build_site(run, now=TEST_CLOCK, ping=False)
    build_site(run, now=TEST_CLOCK, ping=False)
    assert walks == [False, True]  # the first knew no files yet; the second shares its walk
    walks.clear()
    stop = threading.Event()
    reports: list[str] = []

    def report(_report: Any, why: str, _moment: Any) -> None:
        reports.append(why)
        if len(reports) == 2:
            stop.set()

    settings = WatchSettings(recheck=0.1, ping=False)
    watcher = Watcher(run, Told(), running_clock(), stop, settings, on_report=report)
    assert watcher.watch() == 2
    assert reports == ["start", "recheck"]
    assert walks == [False, False]


class Named:
    """A class with many attributes, each looked up below by a name made afresh."""


for _number in range(64):
    setattr(Named, f"attribute_{_number}", _number)


def test_no_name_looked_up_in_a_build_outlives_it(site: Path) -> None:
    """As C code does for every text file opened (``incrementaldecoder``, a name made on each
    call): the type cache keeps each such name, at an address in whatever arena the build had
    mapped then, until another name takes its slot; the watcher drops them after each build."""
    run = resolve_run(site / "feedpub.toml")
    stop = threading.Event()
    names: list[str] = []

    def checkpoint() -> None:
        if not names:  # once, while the build reads and renders
            names.extend("".join(("attribute_", str(number))) for number in range(64))
            for name in names:
                getattr(Named, name)
            stop.set()  # the loop ends after this build

    settings = WatchSettings(recheck=3600.0, ping=False)
    watcher = Watcher(run, Told(), running_clock(), stop, settings, checkpoint=checkpoint)
    assert watcher.watch() == 1
    assert len(names) == 64
    # Only the list refers to each (and getrefcount's own argument): 2, not 3 with the cache.
    held = [sys.getrefcount(names[index]) for index in range(len(names))]
    assert held == [2] * 64


def c_library() -> Any:
    """The C library, when it is glibc (``malloc_trim``, ``mincore``), else the test is skipped."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "malloc_trim") or sys.platform != "linux":
        pytest.skip("glibc only")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    return libc


def resident_pages(libc: Any, start: int, size: int) -> int:
    """How many of the pages within ``start`` .. ``start + size`` are in memory (0 when they
    are no longer mapped at all)."""
    page = 4096
    first = -(-start // page) * page
    count = (start + size - first) // page
    pages = ctypes.create_string_buffer(count)
    if libc.mincore(first, count * page, pages) != 0:
        return 0  # ENOMEM: given back to the system
    return sum(flag & 1 for flag in pages.raw)


def test_the_c_heap_a_build_freed_goes_back_to_the_system(site: Path) -> None:
    """As a build of a large site does (an archive page of some MiB rendered, then a recheck's
    listing and rows): after a large block from ``mmap`` is freed, glibc raises its thresholds,
    so that later large blocks come from the heap and their pages stay mapped when freed; the
    watcher gives them back after each build."""
    libc = c_library()
    mib = 1 << 20
    block: list[int] = []

    def checkpoint() -> None:
        if not block:  # once, while the build reads and renders
            libc.free(libc.malloc(24 * mib))  # mapped, and the thresholds move to 24 MiB
            start = libc.malloc(8 * mib)  # now from the heap
            libc.memset(start, 1, 8 * mib)
            libc.free(start)  # freed, and under the new trim threshold: kept
            block.append(start)
            stop.set()  # the loop ends after this build

    run = resolve_run(site / "feedpub.toml")
    stop = threading.Event()
    settings = WatchSettings(recheck=3600.0, ping=False)
    watcher = Watcher(run, Told(), running_clock(), stop, settings, checkpoint=checkpoint)
    assert watcher.watch() == 1
    assert block
    assert resident_pages(libc, block[0], 8 * mib) < (8 * mib // 4096) // 4
