"""Worker processes: results in order, and a quiet exit when the parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from feedpub.parallel import IN_FLIGHT_PER_CORE, cores, ordered_map

ROOT = Path(__file__).resolve().parent.parent

# A parent whose workers are busy (one job sleeps long, the others send big results) when it is
# killed: the workers must neither print a BrokenPipeError traceback nor keep working.
KILLED_PARENT = """
import multiprocessing as mp
import sys
import time

from feedpub.parallel import ordered_map

def job(shared, n):
    time.sleep(60 if n == 1 else 0.05)
    return b"x" * 1_000_000

for done, _ in enumerate(ordered_map(job, list(range(200)), {}, min_jobs=2)):
    if done == 0:
        print("started", flush=True)
"""


def square(shared: dict[str, Any], n: int) -> int:
    return n * n + shared["add"]


@pytest.mark.parametrize("min_jobs", [1, 1000])
def test_results_come_in_order_in_workers_and_in_process(min_jobs: int) -> None:
    jobs = list(range(50))
    assert list(ordered_map(square, jobs, {"add": 1}, min_jobs=min_jobs)) == [
        n * n + 1 for n in jobs
    ]


@pytest.mark.skipif(cores() < 2, reason="one core: ordered_map runs no worker processes")
def test_workers_exit_quietly_when_the_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None and parent.stdout.readline() == "started\n"
    parent.send_signal(signal.SIGKILL)
    # The workers share the parent's stderr: it ends when the last of them has exited, long
    # before the 60 s job would have finished.
    _, stderr = parent.communicate(timeout=30)
    assert parent.returncode == -signal.SIGKILL
    assert stderr == ""


class _Counted:
    """Jobs that count how many the pool has taken."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Any:
        for job in range(self.count):
            self.taken += 1
            yield job


@pytest.mark.skipif(cores() < 2, reason="one core: ordered_map runs no worker processes")
def test_jobs_are_taken_only_a_few_ahead_of_the_caller() -> None:
    jobs = _Counted(300)
    ahead = IN_FLIGHT_PER_CORE * cores()
    results = []
    for result in ordered_map(square, jobs, {"add": 0}, min_jobs=2):  # type: ignore[arg-type]
        # Never more than the window beyond what the caller has taken, however slow it is.
        assert jobs.taken <= len(results) + ahead
        results.append(result)
    assert results == [n * n for n in range(300)]


def test_a_caller_that_stops_early_ends_the_workers() -> None:
    results = ordered_map(square, list(range(10_000)), {"add": 0}, min_jobs=2)
    assert [next(results) for _ in range(3)] == [0, 1, 4]
    results.close()  # type: ignore[attr-defined]  # the pool ends at once, nothing hangs


#: A caller that leaves while every worker is busy handing back a large result, many times.
LEAVING_EARLY = """
import sys
from feedpub.parallel import ordered_map

def big(shared, job):
    return bytes(200_000)  # a result that takes a while to put on the queue

for attempt in range(40):
    results = ordered_map(big, list(range(500)), {}, min_jobs=2)
    next(results)
    try:
        results.throw(KeyboardInterrupt)  # as Ctrl-C, or a failed write, would leave it
    except KeyboardInterrupt:
        pass
print("done")
"""


def test_leaving_while_workers_hand_back_results_never_hangs() -> None:
    # Terminating workers at once could kill one holding the result queue's lock, and the
    # pool's task thread then waited on it forever (seen as a hung build in a killed-build
    # test). The bound is generous: it catches a hang, it does not time the code.
    done = subprocess.run(
        [sys.executable, "-c", LEAVING_EARLY], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"


def _handlers(shared: dict[str, Any], job: int) -> tuple[object, object]:
    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)


@pytest.mark.skipif(cores() < 2, reason="one core: ordered_map runs no worker processes")
def test_workers_leave_signals_to_the_parent() -> None:
    """A worker does not run the parent's handlers (``feedpub watch`` raises KeyboardInterrupt
    on a second SIGTERM): the pool's SIGTERM ends it quietly, and Ctrl-C is the parent's."""

    def raising(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, raising)
    try:
        found = list(ordered_map(_handlers, [1, 2, 3, 4], {}, min_jobs=2))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert found == [(signal.SIG_DFL, signal.SIG_IGN)] * 4


def _where(shared: dict[str, Any], job: int) -> tuple[int, str, int, int]:
    """The worker's parent, folder, resident set (kB) and the shared value it was given."""
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return os.getppid(), os.getcwd(), rss, shared["add"] + job


@pytest.mark.skipif(cores() < 2, reason="one core: ordered_map runs no worker processes")
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc here")
def test_fresh_workers_come_from_the_fork_server_not_from_the_callers_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker forked from the build counts the build's memory as its own; a fresh one is
    started small by the fork server, given ``shared``, in the caller's folder."""
    monkeypatch.chdir(tmp_path)
    held = bytearray(os.urandom(1024)) * (150 * 1024)  # 150 MiB the caller holds, touched
    forked = list(ordered_map(_where, [1, 2, 3, 4], {"add": 10}, min_jobs=2))
    fresh = list(ordered_map(_where, [1, 2, 3, 4], {"add": 10}, min_jobs=2, fresh=True))
    del held
    assert [r[3] for r in forked] == [r[3] for r in fresh] == [11, 12, 13, 14]
    assert {r[0] for r in forked} == {os.getpid()}
    assert os.getpid() not in {r[0] for r in fresh}
    assert {r[1] for r in fresh} == {str(tmp_path)}
    assert min(r[2] for r in forked) > 150 * 1024 > 2 * max(r[2] for r in fresh)


class _Unwelcome:
    """Pickles, but cannot be unpickled."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _refuse, ("no",)


def _refuse(reason: str) -> None:
    raise ValueError(reason)


@pytest.mark.skipif(cores() < 2, reason="one core: ordered_map runs no worker processes")
def test_a_fresh_worker_that_cannot_start_fails_the_jobs_and_does_not_hang() -> None:
    # A worker that died while starting would be started again, for ever, by the pool.
    with pytest.raises(RuntimeError, match="a worker could not start: ValueError"):
        list(ordered_map(square, [1, 2, 3], {"add": _Unwelcome()}, min_jobs=2, fresh=True))
