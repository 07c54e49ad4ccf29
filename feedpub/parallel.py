"""Spreading CPU-bound work over the machine's cores, in order, without changing results.

A cold build parses every record file and renders every feed: both are pure
Python and scale with cores only in separate processes. Work goes to a pool
of forked workers (they inherit loaded modules and arguments, so they start
at once); small jobs, one-core machines and platforms without ``fork`` run it
in-process instead, with the same results.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["cores", "ordered_map"]

Job = TypeVar("Job")
Result = TypeVar("Result")

_shared: dict[str, Any] = {}


def cores() -> int:
    """How many cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _install(shared: dict[str, Any]) -> None:
    _shared.clear()
    _shared.update(shared)


def _call(item: tuple[Callable[[dict[str, Any], Any], Any], Any]) -> Any:
    function, job = item
    return function(_shared, job)


def ordered_map(
    function: Callable[[dict[str, Any], Job], Result],
    jobs: Sequence[Job],
    shared: dict[str, Any],
    *,
    min_jobs: int,
) -> Iterator[Result]:
    """Yield ``function(shared, job)`` for each job, in order.

    ``function`` must be a module-level function; ``shared`` holds what every
    job needs (set once per worker, not sent with each job). Fewer than
    ``min_jobs`` jobs run in this process.
    """
    if len(jobs) < min_jobs or cores() < 2 or "fork" not in mp.get_all_start_methods():
        for job in jobs:
            yield function(shared, job)
        return
    with mp.get_context("fork").Pool(cores(), _install, (shared,)) as pool:
        yield from pool.imap(_call, [(function, job) for job in jobs])
