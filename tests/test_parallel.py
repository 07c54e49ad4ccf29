"""Worker processes: results in order, and a quiet exit when the parent is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from feedpub.parallel import cores, ordered_map

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
