"""Spreading CPU-bound work over the machine's cores, in order, without changing results.

A cold build parses every record file and renders every feed: both are pure
Python and scale with cores only in separate processes. Work goes to a pool
of forked workers (they inherit loaded modules and arguments, so they start
at once); small jobs, one-core machines and platforms without ``fork`` run it
in-process instead, with the same results.

Workers that need nothing the parent holds (``fresh``) are started by a small server process
instead of forked from the build (:mod:`multiprocessing`'s fork server, started once, with
the renderers and schemas loaded): a worker forked from the build counts every page of the
build's memory as its own, and at a million records the build holds some 200 MB. Their
``shared`` is pickled to them, and they work in the build's folder.

A worker whose parent dies (a build killed with SIGKILL by cron's timeout or an
operator) exits at once and quietly: it notices within a fraction of a second
(it watches its parent's PID) and never prints a traceback for the pipe its
parent's death broke.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing as mp
import multiprocessing.pool
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

__all__ = ["Jobs", "cores", "ordered_map"]

Job = TypeVar("Job")
Result = TypeVar("Result")
_Item = TypeVar("_Item", covariant=True)


class Jobs(Protocol[_Item]):
    """Jobs to spread: a list, or anything that knows its length and makes them as asked."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[_Item]: ...


_shared: dict[str, Any] = {}


def cores() -> int:
    """How many cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


#: How often a worker looks whether its parent is still alive, in seconds.
PARENT_CHECK_INTERVAL = 0.2
#: Jobs sent ahead per worker: enough to keep every core busy, few enough to bound memory.
IN_FLIGHT_PER_CORE = 3
#: Seconds the jobs in flight get to finish when a caller leaves early, before the workers are
#: terminated (a few jobs of rendering or parsing take far less).
SHUTDOWN_GRACE = 60.0


#: Allocations between young-generation collections while work is spread (Python's is 700).
#: Parsed records and their results are acyclic: reference counting frees them, and each
#: collection would only walk them (the parent spent ~1 of 16 CPU-s at 100,000 records so).
YOUNG_COLLECTION_EVERY = 20_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """Collect cycles rarely while work is spread, and leave everything alive before the fork
    out of every collection (in the workers too, which then never write to those pages)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


#: What the fork server imports before it forks any worker: the renderers, the validators and
#: their schemas, loaded once (see :mod:`feedpub.pipeline.warm`).
FORK_SERVER_PRELOAD = ["feedpub.pipeline.warm"]


def _install(shared: dict[str, Any] | bytes, parent: int | None, folder: str | None = None) -> None:
    """Ready this worker: ``shared`` (pickled, for the fork server's), the parent to outlive
    no longer, the folder to work in. What cannot be made ready is raised by every job (a
    worker that died here would be started again for ever)."""
    gc.set_threshold(YOUNG_COLLECTION_EVERY, 20, 20)
    _shared.clear()
    try:
        if parent is None:  # started by the fork server, which exits when the build does
            parent = os.getppid()
        if folder is not None:
            os.chdir(folder)  # the fork server's is where the first build that used it ran
        _shared.update(pickle.loads(shared) if isinstance(shared, bytes) else shared)
    except Exception as exc:
        _shared[_BROKEN] = exc
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """Stop this worker as soon as its parent is gone: nobody will read its results.

    When a process dies its children are handed to another (init or a subreaper),
    so ``getppid`` changes; polling it needs no Linux-only ``prctl``."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_INTERVAL)
    os._exit(0)  # at once: no cleanup can matter, and none may print


class _Quiet(mp.process.BaseProcess):
    """A pool worker that exits quietly when its parent's death breaks the pipe to it, or
    when it is told to stop: the parent alone handles signals.

    A fork inherits the parent's Python signal handlers: under ``feedpub watch``, whose
    second SIGTERM raises KeyboardInterrupt, the pool's own SIGTERM to its workers (as it
    ends, once the parent abandoned the build) made each print a traceback. Ctrl-C reaches
    the whole process group: the parent stops the pool."""

    def run(self) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        parent = os.getppid()
        try:
            super().run()
        except (BrokenPipeError, EOFError, ConnectionResetError):
            if os.getppid() == parent:
                raise  # the parent lives: a real fault, show it
            os._exit(0)


class _WorkerProcess(_Quiet, mp.context.ForkProcess):
    """A :class:`_Quiet` worker forked from this process."""


class _ServedWorkerProcess(_Quiet, mp.context.ForkServerProcess):
    """A :class:`_Quiet` worker the fork server starts."""


class _Pool(multiprocessing.pool.Pool):
    """A fork pool of :class:`_WorkerProcess` workers."""

    @staticmethod
    def Process(ctx: Any, *args: Any, **kwds: Any) -> Any:  # the name Pool calls
        return _WorkerProcess(*args, **kwds)


class _ServedPool(multiprocessing.pool.Pool):
    """A pool of :class:`_ServedWorkerProcess` workers."""

    @staticmethod
    def Process(ctx: Any, *args: Any, **kwds: Any) -> Any:
        return _ServedWorkerProcess(*args, **kwds)


def _fork_server() -> Any:
    """The fork server's context, told what to load first; ``None`` where there is none."""
    if "forkserver" not in mp.get_all_start_methods():
        return None
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(FORK_SERVER_PRELOAD)
    if not _server_stops_at_exit:
        _server_stops_at_exit.append(atexit.register(_stop_fork_server))
    return context


_server_stops_at_exit: list[object] = []


def _stop_fork_server() -> None:
    """Stop the fork server and wait for it as this process exits, so that what this process
    and its children used (``time``'s CPU seconds and peak resident set, a benchmark's
    ``RUSAGE_CHILDREN``) counts its workers too: a server left to end by itself is never
    waited for. Its stopping method is the one CPython's own tests use."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        with contextlib.suppress(OSError, ChildProcessError):
            stop()


_BROKEN = "feedpub.parallel: not ready"


def _call(item: tuple[Callable[[dict[str, Any], Any], Any], Any]) -> Any:
    function, job = item
    if _BROKEN in _shared:
        raise RuntimeError(f"a worker could not start: {_shared[_BROKEN]!r}")
    return function(_shared, job)


def ordered_map(
    function: Callable[[dict[str, Any], Job], Result],
    jobs: Jobs[Job],
    shared: dict[str, Any],
    *,
    min_jobs: int,
    ahead: int = IN_FLIGHT_PER_CORE,
    fresh: bool = False,
) -> Iterator[Result]:
    """Yield ``function(shared, job)`` for each job, in order.

    ``function`` must be a module-level function; ``shared`` holds what every
    job needs (set once per worker, not sent with each job). Fewer than
    ``min_jobs`` jobs run in this process. Jobs are taken from ``jobs`` only as
    workers become free, and results wait for the caller only a few at a time: at most
    ``ahead`` jobs per core are out (sent, or done and not taken yet). ``fresh``: the jobs
    need nothing this process holds but ``shared`` (which must pickle): the workers are
    started by the fork server, not forked from this process.
    """
    if len(jobs) < min_jobs or cores() < 2 or "fork" not in mp.get_all_start_methods():
        for job in jobs:
            yield function(shared, job)
        return
    # At most a few jobs are out at a time: a pool left to itself sends every job at once and
    # keeps every result until the caller takes it, so a slow caller (the parent storing a
    # million parsed files) would hold them all.
    window = threading.Semaphore(ahead * cores())
    stop = threading.Event()

    def send() -> Iterator[tuple[Callable[[dict[str, Any], Job], Result], Job]]:
        taken = iter(jobs)  # made one at a time, as sent: lazy jobs never exist all at once
        while True:
            while not window.acquire(timeout=PARENT_CHECK_INTERVAL):
                if stop.is_set():  # the caller is gone: let the pool's feeder thread end
                    return
            for job in taken:  # the next job, if there is one
                yield function, job
                break
            else:
                return  # no job is left

    server = _fork_server() if fresh else None
    with _few_collections():
        if server is not None:
            pool: multiprocessing.pool.Pool = _ServedPool(
                cores(), _install, (pickle.dumps(shared), None, _folder()), context=server
            )
        else:
            pool = _Pool(cores(), _install, (shared, os.getpid()), context=mp.get_context("fork"))
        try:
            for result in pool.imap(_call, send()):
                window.release()
                yield result
        finally:
            stop.set()
            _shut_down(pool)


def _folder() -> str | None:
    """This process's folder, for its fresh workers (``None``: it was removed: theirs)."""
    try:
        return os.getcwd()
    except OSError:
        return None


def _shut_down(pool: multiprocessing.pool.Pool) -> None:
    """End ``pool`` whether its caller took every result or left early (an error, Ctrl-C,
    a write that failed): the jobs in flight (a few) finish and the pool's threads end
    before the workers go. Terminating at once can kill a worker while it holds the result
    queue's lock, mid-put, and the pool's task thread then waits on that lock forever."""
    pool.close()
    joiner = threading.Thread(target=pool.join, name="feedpub-pool-join", daemon=True)
    joiner.start()
    joiner.join(SHUTDOWN_GRACE)
    pool.terminate()  # workers and threads already gone, unless the grace ran out
